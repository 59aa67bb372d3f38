import { Button, Group, MultiSelect, Progress, Select, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { IconReceipt2, IconRefresh, IconSearch } from "@tabler/icons-react";
import { Channel } from "@tauri-apps/api/core";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Payment, type PaymentQuery, type PaymentStatus, type SyncProgress, type TimeField } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../../components/ExportMenu";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { VirtualTable, type VirtualColumn } from "../../layout/VirtualTable";
import { dayBound, formatDateTime, formatKrw } from "../../lib/format";
import { exportColumns, PAYMENT_EXPORT_EXTRAS, PAYMENT_EXPORT_IDS } from "../../lib/exportColumns";
import { call } from "../../lib/ipc";
import { parseWon } from "../../lib/money";
import { invalidate, paymentPages, type ListQuery } from "../../lib/queries";
import { usePaged } from "../../lib/usePaged";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { PaymentDrawer } from "./PaymentDrawer";

const STATUSES: PaymentStatus[] = ["paid", "failed", "cancelled", "ready"];
const TIME_FIELDS: TimeField[] = ["event", "paid", "cancelled", "failed"];

export function PaymentsPage() {
  const { t } = useTranslation();
  const { settings, lang, status, profileId } = useApp();
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text, 250);
  const [statuses, setStatuses] = useState<PaymentStatus[]>([]);
  const [timeField, setTimeField] = useState<TimeField>("event");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [minAmount, setMinAmount] = useState("");
  const [maxAmount, setMaxAmount] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const [syncing, setSyncing] = useState<SyncProgress | null>(null);

  const query = useMemo<ListQuery<PaymentQuery>>(
    () => ({
      text: debounced.trim() || null,
      status: statuses,
      time_field: timeField,
      from: dayBound(from, false, settings.time_zone),
      to: dayBound(to, true, settings.time_zone),
      amount_min: parseWon(minAmount),
      amount_max: parseWon(maxAmount),
      limit: 200,
    }),
    [debounced, statuses, timeField, from, to, minAmount, maxAmount, settings.time_zone],
  );
  const { rows, loading, loadMore, listVersion, error, refetch } = usePaged(paymentPages(profileId, query));
  const filtered = debounced !== "" || statuses.length > 0 || from !== "" || to !== "" || minAmount !== "" || maxAmount !== "";

  const sync = useMutation({
    mutationFn: () => {
      const channel = new Channel<SyncProgress>();
      channel.onmessage = (p) => setSyncing(p);
      setSyncing({ stream: "payments", phase: "start", windows_done: 0, windows_total: 1, pages: 0, rows: 0, changed: 0 });
      return call(commands.syncNow({ payments: true, schedules: true, keys: true, from: null }, channel));
    },
    onSuccess: (summary) => {
      const stopped = [summary.payments, summary.schedules].some((r) => r && r.outcome !== "completed") || summary.keys?.outcome === "cancelled";
      notifications.show({
        color: stopped ? "yellow" : "green",
        message: stopped
          ? t("money.payments.syncStopped")
          : t("money.payments.synced", { payments: summary.payments?.rows ?? 0, schedules: summary.schedules?.rows ?? 0, keys: summary.keys?.checked ?? 0 }),
      });
    },
    // Stopped or failed part-way, what did arrive is in the store: every list asks again.
    onSettled: () => {
      setSyncing(null);
      return invalidate(client, profileId, "everything");
    },
  });
  const stopSync = useMutation({ mutationFn: () => call(commands.stopSync()) });

  const columns: VirtualColumn<Payment>[] = [
    { key: "time", header: t("money.payments.col.time"), width: "150px", render: (p) => <Text size="sm">{formatDateTime(p.event_at, settings.time_zone, lang)}</Text> },
    { key: "buyer", header: t("money.payments.col.buyer"), width: "minmax(90px, 0.8fr)", render: (p) => <Text size="sm" truncate>{p.buyer_name ?? "—"}</Text> },
    { key: "name", header: t("money.payments.col.name"), width: "minmax(120px, 1.2fr)", render: (p) => <Text size="sm" truncate>{p.name ?? "—"}</Text> },
    {
      key: "amount",
      header: t("money.payments.col.amount"),
      width: "110px",
      render: (p) => (
        <Text size="sm" ta="right">
          {p.currency === "KRW" ? formatKrw(p.amount, lang) : `${p.amount_text} ${p.currency}`}
        </Text>
      ),
    },
    { key: "cancelled", header: t("money.payments.col.cancelled"), width: "100px", render: (p) => <Text size="sm" ta="right" c="orange">{p.cancel_amount > 0 ? formatKrw(p.cancel_amount, lang) : ""}</Text> },
    {
      key: "status",
      header: t("money.payments.col.status"),
      width: "90px",
      render: (p) => (
        <PaymentStatusBadge status={p.status} />
      ),
    },
    { key: "pg", header: t("money.payments.col.pg"), width: "90px", render: (p) => <Text size="sm" truncate>{p.pg_provider ?? "—"}</Text> },
    { key: "customer", header: t("money.payments.col.customer"), width: "minmax(120px, 1fr)", render: (p) => <Text size="sm" ff="monospace" truncate>{p.customer_uid ?? "—"}</Text> },
  ];

  // The current filter, with the columns on screen and their labels (then the drawer's ids).
  const exporter = useExport({ kind: "payments", query }, exportColumns(columns, PAYMENT_EXPORT_IDS, PAYMENT_EXPORT_EXTRAS));

  return (
    <Stack h="calc(100vh - 52px - 32px - 2 * var(--mantine-spacing-lg))" gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("money.payments.title")} description={t("money.payments.description")} />
        <Group gap="xs" wrap="nowrap">
          <ExportMenu exporter={exporter} testId="export-payments" disabled={status.session_error !== null} />
          <Button leftSection={<IconRefresh size={16} />} loading={sync.isPending} onClick={() => sync.mutate()} data-testid="sync-now" disabled={status.session_error !== null}>
            {t("money.payments.sync")}
          </Button>
        </Group>
      </Group>
      <ExportStatus exporter={exporter} testId="export-payments" />
      {syncing && (
        <Group gap="sm" data-testid="sync-progress">
          <Text size="xs" c="dimmed">
            {t("money.payments.syncing", { done: syncing.windows_done, total: Math.max(1, syncing.windows_total), rows: syncing.rows })}
          </Text>
          <Progress flex={1} value={(100 * syncing.windows_done) / Math.max(1, syncing.windows_total)} animated />
          <Button size="compact-xs" variant="light" color="red" onClick={() => stopSync.mutate()}>
            {t("money.payments.stop")}
          </Button>
        </Group>
      )}
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <TextInput flex={1} leftSection={<IconSearch size={16} />} placeholder={t("money.payments.searchPlaceholder")} aria-label={t("money.payments.searchPlaceholder")} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="payment-search" />
        <MultiSelect w={200} placeholder={t("money.payments.status")} aria-label={t("money.payments.status")} data={STATUSES.map((s) => ({ value: s, label: t(`customers.paymentStatus.${s}`) }))} value={statuses} onChange={(v) => setStatuses(v as PaymentStatus[])} clearable />
        <Select w={130} aria-label={t("money.payments.timeField")} allowDeselect={false} value={timeField} onChange={(v) => setTimeField((v as TimeField | null) ?? "event")} data={TIME_FIELDS.map((f) => ({ value: f, label: t(`money.payments.time.${f}`) }))} />
        <TextInput w={140} type="date" aria-label={t("money.payments.from")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput w={140} type="date" aria-label={t("money.payments.to")} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <TextInput w={100} placeholder={t("money.payments.amountMin")} aria-label={t("money.payments.amountMin")} value={minAmount} onChange={(e) => setMinAmount(e.currentTarget.value)} />
        <TextInput w={100} placeholder={t("money.payments.amountMax")} aria-label={t("money.payments.amountMax")} value={maxAmount} onChange={(e) => setMaxAmount(e.currentTarget.value)} />
      </Group>
      {error && <ErrorAlert error={error} onRetry={() => void refetch()} retrying={loading} testId="payments-error" />}
      {!loading && rows.length === 0 && !filtered ? (
        <EmptyState icon={IconReceipt2} title={t("money.payments.emptyTitle")} body={t("money.payments.emptyBody")} />
      ) : (
        <VirtualTable<Payment>
          testId="payment"
          rows={rows}
          rowKey={(p) => p.imp_uid}
          columns={columns}
          onOpen={(p) => setOpen(p.imp_uid)}
          onNearEnd={loadMore}
          listVersion={listVersion}
          loading={loading}
          empty={
            <Text ta="center" c="dimmed" size="sm">
              {t("money.payments.noMatch")}
            </Text>
          }
          footer={
            <Text size="xs" c="dimmed">
              {t("money.payments.loaded", { count: rows.length })}
            </Text>
          }
        />
      )}
      <PaymentDrawer impUid={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
