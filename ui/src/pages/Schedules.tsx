import { Badge, Button, Chip, Group, Select, Stack, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconCalendarRepeat } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { readScheduleStart } from "../lib/listLinks";
import type { Schedule, ScheduleQuery, ScheduleState } from "../bindings";
import { useApp } from "../AppContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../components/ExportMenu";
import { EmptyState } from "../layout/EmptyState";
import { PageHeader } from "../layout/PageHeader";
import { CellText } from "../layout/CellText";
import { VirtualTable, type VirtualColumn } from "../layout/VirtualTable";
import { formatDateTime, formatKrw } from "../lib/format";
import { exportColumns, SCHEDULE_EXPORT_EXTRAS, SCHEDULE_EXPORT_IDS } from "../lib/exportColumns";
import { dayRangeQuery, schedulePages, schedulePgsQuery, scheduleTotalsQuery, type ListQuery } from "../lib/queries";
import { usePaged } from "../lib/usePaged";
import { ScheduleDrawer } from "./schedules/ScheduleDrawer";
import { STATE_COLORS, STATES, ScheduleStateBadge } from "./schedules/ScheduleStateBadge";

/**
 * Scheduled charges registered with i'mport, as sync and Subdesk's own registrations keep
 * them: filtered by state, dates (days of the profile's zone), PG and text, with the
 * filter's totals summed by the store. A row opens the schedule's drawer.
 */
export function Schedules() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  // Opened from a dashboard figure, the address names the filter the figure counts.
  const [params] = useSearchParams();
  const [start] = useState(() => readScheduleStart(params));
  const [states, setStates] = useState<ScheduleState[]>(start.states ?? ["scheduled"]);
  const [from, setFrom] = useState(start.first);
  const [to, setTo] = useState(start.last);
  const [pg, setPg] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text, 250);
  const [open, setOpen] = useState<string | null>(null);
  // The typed days' bounds in the profile's zone are Rust's (day_range).
  const [debouncedFrom] = useDebouncedValue(from.trim(), 300);
  const [debouncedTo] = useDebouncedValue(to.trim(), 300);
  const days = useQuery({ ...dayRangeQuery(debouncedFrom || null, debouncedTo || null, zone), enabled: debouncedFrom !== "" || debouncedTo !== "" });
  const bounds = debouncedFrom !== "" || debouncedTo !== "" ? days.data : undefined;
  const query: ListQuery<ScheduleQuery> = {
    customer_uid: null,
    status: null,
    states,
    from: bounds?.from ?? null,
    to: bounds?.to == null ? null : bounds.to + 1,
    pg,
    text: debounced.trim() === "" ? null : debounced.trim(),
    limit: 200,
  };
  const { rows, loading, loadMore, listVersion, error, refetch } = usePaged(schedulePages(profileId, query));
  const totals = useQuery(scheduleTotalsQuery(profileId, query));
  const pgs = useQuery(schedulePgsQuery(profileId));
  const filtered = states.length !== 1 || states[0] !== "scheduled" || from !== "" || to !== "" || pg !== null || text !== "";
  const badDate = (v: string) => (v !== "" && days.isError ? t("customers.fieldErrors.date_format") : null);

  const columns: VirtualColumn<Schedule>[] = [
    { key: "at", header: t("schedules.col.at"), width: "150px", render: (s) => <CellText>{formatDateTime(s.schedule_at, zone, lang)}</CellText> },
    { key: "customer", header: t("schedules.col.customer"), width: "minmax(120px, 1fr)", render: (s) => <CellText title={s.customer_uid}>{s.customer_name ?? s.customer_uid}</CellText> },
    { key: "name", header: t("schedules.col.name"), width: "minmax(110px, 1fr)", render: (s) => <CellText>{s.name ?? "—"}</CellText> },
    { key: "amount", header: t("schedules.col.amount"), width: "100px", render: (s) => <CellText align="right">{formatKrw(s.amount, lang)}</CellText> },
    { key: "state", header: t("schedules.col.state"), width: "90px", render: (s) => <ScheduleStateBadge state={s.state} /> },
    { key: "reason", header: t("schedules.col.reason"), width: "minmax(90px, 1fr)", render: (s) => <CellText>{s.fail_reason ?? ""}</CellText> },
  ];
  const exporter = useExport({ kind: "schedules", query }, exportColumns(columns, SCHEDULE_EXPORT_IDS, SCHEDULE_EXPORT_EXTRAS));

  return (
    <Stack h="calc(100vh - 52px - 32px - 2 * var(--mantine-spacing-lg))" gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("schedules.title")} description={t("schedules.description")} />
        <ExportMenu exporter={exporter} testId="export-schedules" />
      </Group>
      <ExportStatus exporter={exporter} testId="export-schedules" />
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Chip.Group multiple value={states} onChange={(v) => setStates(v as ScheduleState[])}>
          <Group gap={4} data-testid="schedule-states">
            {STATES.map((s) => (
              <Chip key={s} value={s} size="xs" color={STATE_COLORS[s]} wrapperProps={{ "data-testid": `schedule-state-${s}` }}>
                {t(`schedules.state.${s}`)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <TextInput size="xs" w={112} label={t("schedules.filter.from")} placeholder={t("schedules.filter.datePlaceholder")} value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={badDate(from)} data-testid="schedule-from" />
        <TextInput size="xs" w={112} label={t("schedules.filter.to")} placeholder={t("schedules.filter.datePlaceholder")} value={to} onChange={(e) => setTo(e.currentTarget.value)} error={badDate(to)} data-testid="schedule-to" />
        <Select size="xs" w={130} label={t("schedules.filter.pg")} placeholder={t("schedules.filter.allPgs")} data={pgs.data ?? []} value={pg} onChange={setPg} clearable data-testid="schedule-pg" />
        <TextInput size="xs" style={{ flex: 1, minWidth: 140 }} label={t("schedules.filter.text")} placeholder={t("schedules.filter.textPlaceholder")} value={text} onChange={(e) => setText(e.currentTarget.value)} data-testid="schedule-text" />
        {filtered && (
          <Button
            size="xs"
            variant="subtle"
            onClick={() => {
              setStates(["scheduled"]);
              setFrom("");
              setTo("");
              setPg(null);
              setText("");
            }}
          >
            {t("schedules.filter.clear")}
          </Button>
        )}
      </Group>
      {totals.data && (
        <Group gap="xs" data-testid="schedule-totals">
          <Badge variant="filled" color="dark" size="lg" data-testid="schedule-total">
            {t("schedules.totals.all", { count: totals.data.count, amount: formatKrw(totals.data.amount, lang) })}
          </Badge>
          {totals.data.by_state
            .filter((s) => s.count > 0)
            .map((s) => (
              <Badge key={s.state} variant="light" color={STATE_COLORS[s.state]} size="lg" data-testid={`schedule-total-${s.state}`}>
                {t("schedules.totals.state", { state: t(`schedules.state.${s.state}`), count: s.count, amount: formatKrw(s.amount, lang) })}
              </Badge>
            ))}
        </Group>
      )}
      {error && <ErrorAlert error={error} onRetry={() => void refetch()} retrying={loading} testId="schedules-error" />}
      {!loading && rows.length === 0 && !filtered ? (
        <EmptyState icon={IconCalendarRepeat} title={t("schedules.emptyTitle")} body={t("schedules.emptyBody")} />
      ) : (
        <VirtualTable<Schedule>
          testId="schedule"
          rows={rows}
          rowKey={(s) => s.merchant_uid}
          onOpen={(s) => setOpen(s.merchant_uid)}
          onNearEnd={loadMore}
          listVersion={listVersion}
          loading={loading}
          columns={columns}
          empty={
            <Text ta="center" c="dimmed" size="sm">
              {t("schedules.noMatch")}
            </Text>
          }
          footer={
            <Text size="xs" c="dimmed">
              {t("schedules.loaded", { count: rows.length })}
            </Text>
          }
        />
      )}
      <ScheduleDrawer merchantUid={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
