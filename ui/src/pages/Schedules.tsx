import { Badge, Group, SegmentedControl, Stack, Text } from "@mantine/core";
import { IconCalendarRepeat } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { Schedule, ScheduleStatus } from "../bindings";
import { useApp } from "../AppContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { ExportMenu, ExportStatus, useExport } from "../components/ExportMenu";
import { EmptyState } from "../layout/EmptyState";
import { PageHeader } from "../layout/PageHeader";
import { VirtualTable, type VirtualColumn } from "../layout/VirtualTable";
import { exportColumns, SCHEDULE_EXPORT_EXTRAS, SCHEDULE_EXPORT_IDS } from "../lib/exportColumns";
import { formatDateTime, formatKrw } from "../lib/format";
import { schedulePages } from "../lib/queries";
import { usePaged } from "../lib/usePaged";

const COLORS: Record<ScheduleStatus, string> = { scheduled: "blue", executed: "green", revoked: "gray" };

/** Scheduled charges registered with i'mport, as sync and Subdesk's own registrations keep them. */
export function Schedules() {
  const { t } = useTranslation();
  const { settings, lang, profileId } = useApp();
  const navigate = useNavigate();
  const [status, setStatus] = useState<"all" | ScheduleStatus>("scheduled");
  const query = { status: status === "all" ? null : status, limit: 200 };
  const { rows, loading, loadMore, listVersion, error, refetch } = usePaged(schedulePages(profileId, query));

  const columns: VirtualColumn<Schedule>[] = [
    { key: "at", header: t("customers.detail.scheduleCols.at"), width: "160px", render: (s) => <Text size="sm">{formatDateTime(s.schedule_at, settings.time_zone, lang)}</Text> },
    { key: "customer", header: t("money.payments.col.customer"), width: "minmax(140px, 1fr)", render: (s) => <Text size="sm" ff="monospace" truncate>{s.customer_uid}</Text> },
    { key: "name", header: t("money.payments.col.name"), width: "minmax(120px, 1fr)", render: (s) => <Text size="sm" truncate>{s.name ?? "—"}</Text> },
    { key: "amount", header: t("money.payments.col.amount"), width: "110px", render: (s) => <Text size="sm" ta="right">{formatKrw(s.amount, lang)}</Text> },
    {
      key: "status",
      header: t("customers.detail.scheduleCols.status"),
      width: "100px",
      render: (s) => (
        <Badge size="sm" variant="light" color={COLORS[s.schedule_status]}>
          {t(`customers.scheduleStatus.${s.schedule_status}`)}
        </Badge>
      ),
    },
    { key: "result", header: t("customers.detail.scheduleCols.result"), width: "minmax(100px, 1fr)", render: (s) => <Text size="sm" truncate>{s.payment_status ? t(`customers.paymentStatus.${s.payment_status}`) : ""} {s.fail_reason ?? ""}</Text> },
  ];
  const exporter = useExport({ kind: "schedules", query }, exportColumns(columns, SCHEDULE_EXPORT_IDS, SCHEDULE_EXPORT_EXTRAS));

  return (
    <Stack h="calc(100vh - 52px - 32px - 2 * var(--mantine-spacing-lg))" gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("schedules.title")} description={t("schedules.description")} />
        <ExportMenu exporter={exporter} testId="export-schedules" />
      </Group>
      <ExportStatus exporter={exporter} testId="export-schedules" />
      <SegmentedControl
        w={420}
        value={status}
        onChange={(v) => setStatus(v as "all" | ScheduleStatus)}
        data={[
          { value: "scheduled", label: t("customers.scheduleStatus.scheduled") },
          { value: "executed", label: t("customers.scheduleStatus.executed") },
          { value: "revoked", label: t("customers.scheduleStatus.revoked") },
          { value: "all", label: t("schedules.all") },
        ]}
      />
      {error && <ErrorAlert error={error} onRetry={() => void refetch()} retrying={loading} testId="schedules-error" />}
      {!loading && rows.length === 0 && status === "scheduled" ? (
        <EmptyState icon={IconCalendarRepeat} title={t("schedules.emptyTitle")} body={t("schedules.emptyBody")} />
      ) : (
        <VirtualTable<Schedule>
          testId="schedule"
          rows={rows}
          rowKey={(s) => s.merchant_uid}
          onOpen={(s) => void navigate(`/customers/${encodeURIComponent(s.customer_uid)}`)}
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
              {t("money.payments.loaded", { count: rows.length })}
            </Text>
          }
        />
      )}
    </Stack>
  );
}
