import { ActionIcon, Anchor, Badge, Button, Checkbox, CloseButton, Group, Menu, MultiSelect, Progress, Select, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { IconColumns, IconReceipt2, IconRefresh, IconSearch } from "@tabler/icons-react";
import { Channel } from "@tauri-apps/api/core";
import { useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { commands, type DatePreset, type Payment, type PaymentQuery, type PaymentStatus, type SyncProgress, type TimeField } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../../components/ExportMenu";
import { SearchInput } from "../../components/SearchInput";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { VirtualTable, type VirtualColumn } from "../../layout/VirtualTable";
import { CellText } from "../../layout/CellText";
import { formatDateTime, formatKrw } from "../../lib/format";
import { exportColumns, PAYMENT_EXPORT_EXTRAS, paymentExportIds } from "../../lib/exportColumns";
import { DATE_PRESETS, readPaymentStart } from "../../lib/listLinks";
import { loadPref, savePref } from "../../lib/prefs";
import { call } from "../../lib/ipc";
import { amountsQuery, dateRangeQuery, dayRangeQuery, invalidate, keys, paymentFacetsQuery, paymentPages, paymentPositions, paymentTotalsQuery, type ListQuery } from "../../lib/queries";
import { usePaged } from "../../lib/usePaged";
import { usePositioned } from "../../lib/usePositioned";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { PaymentDrawer } from "./PaymentDrawer";

/** How long the totals wait after the search text last changed: they count every match, so typing is not slowed by a count per key. */
const TOTALS_SETTLE_MS = 300;
const STATUSES: PaymentStatus[] = ["paid", "failed", "cancelled", "ready"];
const TIME_FIELDS: TimeField[] = ["paid", "cancelled", "failed", "event"];
/** The list's period: everything, a period Rust names, or days typed or picked. */
type Period = "all" | DatePreset | "custom";
const PERIODS: Period[] = ["all", ...DATE_PRESETS, "custom"];
/** The list's columns, in their order; the chooser shows or hides each (the time column always shows). */
export const PAYMENT_COLUMNS = ["time", "buyer", "name", "amount", "cancelled", "net", "status", "pg", "method", "card", "apply_num", "merchant_uid", "customer"] as const;
export type PaymentColumn = (typeof PAYMENT_COLUMNS)[number];
export const DEFAULT_PAYMENT_COLUMNS: PaymentColumn[] = ["time", "buyer", "name", "amount", "cancelled", "status", "pg", "customer"];
function isPaymentColumns(v: unknown): v is PaymentColumn[] {
  return Array.isArray(v) && v.every((c) => (PAYMENT_COLUMNS as readonly unknown[]).includes(c));
}
/** Methods the texts name; another is shown as i'mport spells it. */
const KNOWN_METHODS = ["card", "trans", "vbank", "phone", "point", "samsung", "kakaopay", "naverpay", "payco", "tosspay"];

/** A day Rust named (`YYYY-MM-DD`) as the person reads it: `2026. 11. 25.` in Korean. */
function showDay(day: string | null, lang: string): string {
  if (!day) return "";
  return lang === "ko" ? `${day.replace(/-/g, ". ")}.` : day;
}

/** The payment's time the list filters and sorts by. */
function timeOf(p: Payment, field: TimeField): number | null {
  return { event: p.event_at, paid: p.paid_at, cancelled: p.cancelled_at, failed: p.failed_at }[field];
}

export function PaymentsPage() {
  const { t } = useTranslation();
  const { zone, lang, status, profileId } = useApp();
  const client = useQueryClient();
  // Opened from a dashboard figure, the address names the filter the figure counts.
  const [params] = useSearchParams();
  const [start] = useState(() => readPaymentStart(params));
  // The rows follow every key (an answer to an earlier text never replaces a newer one:
  // each text is a query of its own); the totals, a longer count, wait for a pause.
  const [text, setText] = useState("");
  const [statuses, setStatuses] = useState<PaymentStatus[]>(start.status);
  const [timeField, setTimeField] = useState<TimeField>(start.timeField ?? "paid");
  const [period, setPeriod] = useState<Period>(start.preset ?? (start.days ? "custom" : "all"));
  const [days, setDays] = useState<[string | null, string | null]>(() => (start.days ? [showDay(start.days[0], lang), showDay(start.days[1], lang)] : [null, null]));
  const [pg, setPg] = useState<string | null>(start.pg);
  // Filters only a figure sets (no control of their own): shown as chips that clear them.
  const [planCode, setPlanCode] = useState<string | null>(start.planCode);
  const [plansOnly, setPlansOnly] = useState(start.plansOnly);
  const [refundedOnly, setRefundedOnly] = useState(start.refundedOnly);
  const [shown, setShown] = useState<PaymentColumn[]>(() => loadPref("payments.columns", DEFAULT_PAYMENT_COLUMNS, isPaymentColumns));
  const setShownSaved = (next: PaymentColumn[]) => {
    setShown(next);
    savePref("payments.columns", next);
  };
  const [method, setMethod] = useState<string | null>(null);
  const [card, setCard] = useState<string | null>(null);
  const navigate = useNavigate();
  // Day boundaries are Rust's, in the zone times are shown in (DST days included).
  const preset = period !== "all" && period !== "custom" ? period : null;
  const named = useQuery({ ...dateRangeQuery(preset ?? "today", zone), enabled: preset !== null });
  const [typedDays] = useDebouncedValue(days, 400);
  const typed = useQuery({ ...dayRangeQuery(typedDays[0] || null, typedDays[1] || null, zone), enabled: period === "custom" });
  const bounds = preset !== null ? (named.data ? { from: named.data.from, to: named.data.to } : null) : period === "custom" ? (typed.data ?? null) : { from: null, to: null };
  const shownDays: [string | null, string | null] = preset !== null && named.data ? [named.data.first_day, named.data.last_day] : period === "custom" ? days : [null, null];
  // The filters' choices read the whole table (seconds at a million payments): asked when a
  // choice list is first opened, not with every visit's first rows. Until then a chosen
  // value (from a dashboard figure's link) is its own choice.
  const [wantFacets, setWantFacets] = useState(false);
  const facets = useQuery({ ...paymentFacetsQuery(profileId), enabled: wantFacets }).data;
  const askFacets = () => setWantFacets(true);
  const choicesOf = (known: string[] | undefined, chosen: string | null) => known ?? (chosen ? [chosen] : []);
  const [minAmount, setMinAmount] = useState("");
  const [maxAmount, setMaxAmount] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const [syncing, setSyncing] = useState<SyncProgress | null>(null);

  // The amount filters as Rust reads typed won (the forms' rule); the last reading is kept while a keystroke is read.
  const minWon = useQuery({ ...amountsQuery(profileId, minAmount, ""), placeholderData: keepPreviousData }).data?.amount ?? null;
  const maxWon = useQuery({ ...amountsQuery(profileId, maxAmount, ""), placeholderData: keepPreviousData }).data?.amount ?? null;
  const query = useMemo<ListQuery<PaymentQuery>>(
    () => ({
      text: text.trim() || null,
      status: statuses,
      time_field: timeField,
      from: bounds?.from ?? null,
      to: bounds?.to ?? null,
      pg_provider: pg,
      pay_method: method,
      card_name: card,
      amount_min: minWon,
      amount_max: maxWon,
      customer_uid: null,
      plan_code: planCode,
      plans_only: plansOnly,
      refunded_only: refundedOnly,
      limit: 200,
    }),
    [text, statuses, timeField, bounds?.from, bounds?.to, pg, method, card, minWon, maxWon, planCode, plansOnly, refundedOnly],
  );
  // Without search text the list is read by position (row 10,000 without the pages before
  // it); a search by its keyset pages, best matches first.
  const positional = query.text === null;
  const paged = usePaged({ ...paymentPages(profileId, query), enabled: !positional });
  const byPosition = usePositioned(paymentPositions(profileId, query), keys.payments(profileId, query), positional);
  const { loading, listVersion, error, refetch, drawn } = positional ? byPosition : paged;
  // The totals count every match (a million rows unfiltered): asked once the rows are drawn,
  // so they never take the cores the rows need.
  // While text is typed they wait for a pause (the other filters count at once).
  const [totalsText] = useDebouncedValue(query.text, TOTALS_SETTLE_MS);
  const totalsFor = useMemo(() => ({ ...query, text: totalsText }), [query, totalsText]);
  const totals = useQuery({ ...paymentTotalsQuery(profileId, totalsFor), enabled: drawn }).data;
  const rowCount = positional ? byPosition.count : paged.rows.length;
  const filtered = text.trim() !== "" || statuses.length > 0 || period !== "all" || pg !== null || method !== null || card !== null || minAmount !== "" || maxAmount !== "" || planCode !== null || plansOnly || refundedOnly;
  const methodLabel = (m: string) => (KNOWN_METHODS.includes(m) ? t(`money.payments.method.${m}`) : m);

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

  const allColumns: (VirtualColumn<Payment> & { key: PaymentColumn })[] = [
    { key: "time", header: t(`money.payments.time.${timeField}`), width: "150px", render: (p) => <CellText>{formatDateTime(timeOf(p, timeField), zone, lang)}</CellText> },
    { key: "buyer", header: t("money.payments.col.buyer"), width: "minmax(90px, 0.8fr)", render: (p) => <CellText>{p.buyer_name ?? "—"}</CellText> },
    { key: "name", header: t("money.payments.col.name"), width: "minmax(120px, 1.2fr)", render: (p) => <CellText>{p.name ?? "—"}</CellText> },
    {
      key: "amount",
      header: t("money.payments.col.amount"),
      width: "110px",
      render: (p) => (
        <CellText align="right">
          {p.currency === "KRW" ? formatKrw(p.amount, lang) : `${p.amount_text} ${p.currency}`}
        </CellText>
      ),
    },
    { key: "cancelled", header: t("money.payments.col.cancelled"), width: "100px", render: (p) => <CellText align="right" color="orange-text">{p.cancel_amount > 0 ? formatKrw(p.cancel_amount, lang) : ""}</CellText> },
    {
      key: "net",
      header: t("money.payments.col.net"),
      width: "110px",
      render: (p) => (
        <CellText align="right">
          {p.currency === "KRW" && (p.status === "paid" || p.status === "cancelled") ? formatKrw(p.amount - p.cancel_amount, lang) : ""}
        </CellText>
      ),
    },
    {
      key: "status",
      header: t("money.payments.col.status"),
      width: "90px",
      render: (p) => (
        <PaymentStatusBadge status={p.status} />
      ),
    },
    { key: "pg", header: t("money.payments.col.pg"), width: "90px", render: (p) => <CellText>{p.pg_provider ?? "—"}</CellText> },
    { key: "method", header: t("money.payments.payMethod"), width: "90px", render: (p) => <CellText>{p.pay_method ? methodLabel(p.pay_method) : "—"}</CellText> },
    { key: "card", header: t("money.payments.cardName"), width: "100px", render: (p) => <CellText>{p.card_name ?? "—"}</CellText> },
    { key: "apply_num", header: t("money.payments.col.apply"), width: "100px", render: (p) => <CellText mono>{p.apply_num ?? "—"}</CellText> },
    { key: "merchant_uid", header: t("money.payments.col.merchantUid"), width: "minmax(120px, 1fr)", render: (p) => <CellText mono title={p.merchant_uid}>{p.merchant_uid}</CellText> },
    {
      key: "customer",
      header: t("money.payments.col.customer"),
      width: "minmax(120px, 1fr)",
      render: (p) =>
        p.customer_uid ? (
          <Anchor
            size="sm"
            ff="monospace"
            truncate
            component="button"
            title={p.customer_uid}
            data-testid="payment-customer-link"
            onClick={(e: React.MouseEvent) => {
              e.stopPropagation();
              void navigate(`/customers/${encodeURIComponent(p.customer_uid ?? "")}`);
            }}
          >
            {p.customer_uid}
          </Anchor>
        ) : (
          <CellText>—</CellText>
        ),
    },
  ];

  const columns = allColumns.filter((c) => c.key === "time" || shown.includes(c.key));

  // The current filter, with the columns on screen and their labels (then the drawer's ids).
  const exporter = useExport({ kind: "payments", query }, exportColumns(columns, paymentExportIds(timeField), PAYMENT_EXPORT_EXTRAS));

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
        <SearchInput flex={1} size="xs" label={t("money.payments.search")} leftSection={<IconSearch size={14} />} placeholder={t("money.payments.searchPlaceholder")} onSearch={setText} data-testid="payment-search" />
        <MultiSelect w={170} size="xs" label={t("money.payments.status")} placeholder={statuses.length === 0 ? t("money.payments.any") : undefined} data={STATUSES.map((s) => ({ value: s, label: t(`customers.paymentStatus.${s}`) }))} value={statuses} onChange={(v) => setStatuses(v as PaymentStatus[])} clearable />
        <Select w={110} size="xs" label={t("money.payments.col.pg")} placeholder={t("money.payments.any")} data={choicesOf(facets?.pg_providers, pg)} value={pg} onChange={setPg} onDropdownOpen={askFacets} clearable data-testid="filter-pg" />
        <Select w={110} size="xs" label={t("money.payments.payMethod")} placeholder={t("money.payments.any")} data={choicesOf(facets?.pay_methods, method).map((m) => ({ value: m, label: methodLabel(m) }))} value={method} onChange={setMethod} onDropdownOpen={askFacets} clearable data-testid="filter-method" />
        <Select w={120} size="xs" label={t("money.payments.cardName")} placeholder={t("money.payments.any")} data={choicesOf(facets?.card_names, card)} value={card} onChange={setCard} onDropdownOpen={askFacets} clearable searchable data-testid="filter-card" />
        <Menu closeOnItemClick={false} position="bottom-end">
          <Menu.Target>
            <ActionIcon variant="default" size="md" aria-label={t("money.payments.columns")} title={t("money.payments.columns")} data-testid="payment-column-chooser">
              <IconColumns size={16} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>{t("money.payments.columns")}</Menu.Label>
            {allColumns
              .filter((c) => c.key !== "time")
              .map((c) => (
                <Menu.Item key={c.key}>
                  <Checkbox
                    label={c.header}
                    checked={shown.includes(c.key)}
                    onChange={(e) =>
                      setShownSaved(e.currentTarget.checked ? PAYMENT_COLUMNS.filter((x) => x === c.key || shown.includes(x)) : shown.filter((x) => x !== c.key))
                    }
                    data-testid={`payment-column-${c.key}`}
                  />
                </Menu.Item>
              ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      {(planCode !== null || plansOnly || refundedOnly) && (
        <Group gap="xs" data-testid="payment-link-filters">
          {planCode !== null && <FilterChip label={t("money.payments.onlyPlan", { plan: planCode })} onClear={() => setPlanCode(null)} testId="filter-plan" />}
          {plansOnly && <FilterChip label={t("money.payments.onlyPlans")} onClear={() => setPlansOnly(false)} testId="filter-plans-only" />}
          {refundedOnly && <FilterChip label={t("money.payments.onlyRefunded")} onClear={() => setRefundedOnly(false)} testId="filter-refunded-only" />}
        </Group>
      )}
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <Select w={120} size="xs" label={t("money.payments.timeField")} allowDeselect={false} value={timeField} onChange={(v) => setTimeField((v as TimeField | null) ?? "paid")} data={TIME_FIELDS.map((f) => ({ value: f, label: t(`money.payments.time.${f}`) }))} data-testid="filter-time-field" />
        <Select w={120} size="xs" label={t("money.payments.period")} allowDeselect={false} value={period} onChange={(v) => setPeriod((v as Period | null) ?? "all")} data={PERIODS.map((p) => ({ value: p, label: t(`money.payments.periods.${p}`) }))} data-testid="filter-period" />
        {(["first", "last"] as const).map((side, i) => (
          <TextInput
            key={side}
            w={112}
            size="xs"
            label={t(`money.payments.${side}Day`)}
            placeholder={t("money.payments.dayPlaceholder")}
            value={period === "custom" ? (days[i] ?? "") : showDay(shownDays[i] ?? null, lang)}
            onChange={(e) => {
              const v = e.currentTarget.value;
              const next: [string | null, string | null] = period === "custom" ? [...days] : [showDay(shownDays[0], lang), showDay(shownDays[1], lang)];
              next[i] = v;
              setDays(next);
              setPeriod(next[0] || next[1] ? "custom" : "all");
            }}
            data-testid={`filter-${side}-day`}
          />
        ))}
        <TextInput w={90} size="xs" label={t("money.payments.amountMin")} inputMode="numeric" value={minAmount} onChange={(e) => setMinAmount(e.currentTarget.value)} />
        <TextInput w={90} size="xs" label={t("money.payments.amountMax")} inputMode="numeric" value={maxAmount} onChange={(e) => setMaxAmount(e.currentTarget.value)} />
      </Group>
      {period === "custom" && typed.error && <ErrorAlert error={typed.error} testId="payments-days-error" />}
      {totals && (
        <Group gap="md" data-testid="payment-totals">
          <Text size="sm" fw={600} data-testid="totals-count">
            {t("money.payments.totalCount", { count: totals.count })}
          </Text>
          <Text size="sm" data-testid="totals-amount">
            {t("money.payments.totalPaid", { amount: formatKrw(totals.amount, lang) })}
          </Text>
          <Text size="sm" c="orange" data-testid="totals-refunded">
            {t("money.payments.totalRefunded", { amount: formatKrw(totals.refunded, lang) })}
          </Text>
          <Text size="sm" fw={600} data-testid="totals-net">
            {t("money.payments.totalNet", { amount: formatKrw(totals.net, lang) })}
          </Text>
          {totals.other_currency > 0 && (
            <Text size="xs" c="dimmed">
              {t("money.payments.otherCurrency", { count: totals.other_currency })}
            </Text>
          )}
        </Group>
      )}
      {error && <ErrorAlert error={error} onRetry={() => void refetch()} retrying={loading} testId="payments-error" />}
      {positional && byPosition.newer > 0 && (
        <Group gap="xs" data-testid="payments-newer">
          <Button size="compact-xs" variant="light" onClick={byPosition.showNewer} data-testid="payments-show-newer">
            {t("money.payments.newer", { count: byPosition.newer })}
          </Button>
        </Group>
      )}
      {!loading && rowCount === 0 && !filtered ? (
        <EmptyState icon={IconReceipt2} title={t("money.payments.emptyTitle")} body={t("money.payments.emptyBody")} />
      ) : (
        <VirtualTable<Payment>
          testId="payment"
          rows={paged.rows}
          count={positional ? byPosition.count : undefined}
          rowAt={positional ? byPosition.rowAt : undefined}
          onRange={positional ? byPosition.onRange : undefined}
          rowKey={(p) => p.imp_uid}
          columns={columns}
          onOpen={(p) => setOpen(p.imp_uid)}
          onNearEnd={positional ? noop : paged.loadMore}
          listVersion={listVersion}
          loading={loading}
          empty={
            <Text ta="center" c="dimmed" size="sm">
              {t("money.payments.noMatch")}
            </Text>
          }
          footer={
            <Text size="xs" c="dimmed">
              {t("money.payments.loaded", { count: rowCount, total: totals?.count ?? rowCount })}
            </Text>
          }
        />
      )}
      <PaymentDrawer impUid={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}

function noop() {}

function FilterChip({ label, onClear, testId }: { label: string; onClear: () => void; testId: string }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" size="lg" tt="none" data-testid={testId} rightSection={<CloseButton size="xs" aria-label={t("money.payments.clearFilter")} onClick={onClear} />}>
      {label}
    </Badge>
  );
}
