import { Badge, Button, Group, Stack, Switch, Table, Text } from "@mantine/core";
import { IconFileImport, IconPlayerPlay, IconPlus, IconRepeat } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { SubscribeManyModal } from "./SubscribeManyModal";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, keys, plansQuery } from "../../lib/queries";
import { PlanFormModal } from "./PlanFormModal";
import { intervalText } from "./planText";

/**
 * Every plan with what Rust computes for it: subscribers, monthly recurring revenue, and
 * the next run with its count and total. A row opens the plan's page.
 */
export function PlansPage() {
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const plans = useQuery(plansQuery(profileId));
  const [creating, setCreating] = useState(false);
  const [fromCsv, setFromCsv] = useState(false);
  const [archived, setArchived] = useState(false);
  const run = useMutation({
    mutationFn: () => call(commands.runPlanEngine()),
    onSettled: () => {
      void invalidate(client, profileId, "money");
      void client.invalidateQueries({ queryKey: keys.engineStatus(profileId) });
    },
  });
  const readOnly = status.active_profile.read_only;
  const rows = (plans.data ?? []).filter((s) => archived || s.plan.archived_at === null);
  const hasArchived = (plans.data ?? []).some((s) => s.plan.archived_at !== null);

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("plans.title")} description={t("plans.description")} />
        <Group gap="xs" wrap="nowrap">
          <Button variant="default" leftSection={<IconPlayerPlay size={16} />} loading={run.isPending} disabled={readOnly} onClick={() => run.mutate()} data-testid="plans-run">
            {t("plans.runNow")}
          </Button>
          <Button variant="default" leftSection={<IconFileImport size={16} />} disabled={readOnly || !plans.data?.length} onClick={() => setFromCsv(true)} data-testid="plans-subscribe-csv">
            {t("plans.many.fromCsv")}
          </Button>
          <Button leftSection={<IconPlus size={16} />} disabled={readOnly} onClick={() => setCreating(true)} data-testid="plan-new">
            {t("plans.new")}
          </Button>
        </Group>
      </Group>
      {run.error && <ErrorAlert error={run.error} testId="plans-run-error" />}
      {run.data && (
        <Text size="sm" c="dimmed" data-testid="plans-run-done">
          {t("plans.engine.done", run.data)}
        </Text>
      )}
      {plans.error && <ErrorAlert error={plans.error} onRetry={() => void plans.refetch()} retrying={plans.isFetching} testId="plans-error" />}
      {plans.data && plans.data.length === 0 ? (
        <EmptyState icon={IconRepeat} title={t("plans.emptyTitle")} body={t("plans.emptyBody")} />
      ) : (
        <>
          {hasArchived && <Switch size="xs" label={t("plans.showArchived")} checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} data-testid="plans-show-archived" />}
          <Table striped highlightOnHover data-testid="plans-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("plans.col.name")}</Table.Th>
                <Table.Th>{t("plans.col.interval")}</Table.Th>
                <Table.Th ta="right">{t("plans.col.amount")}</Table.Th>
                <Table.Th ta="right">{t("plans.col.subscribers")}</Table.Th>
                <Table.Th ta="right">{t("plans.col.mrr")}</Table.Th>
                <Table.Th>{t("plans.col.nextRun")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <Table.Tr key={s.plan.code} style={{ cursor: "pointer" }} onClick={() => void navigate(`/plans/${s.plan.code}`)} data-testid="plan-row" data-code={s.plan.code}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm" fw={500}>
                        {s.plan.name}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {s.plan.code}
                      </Text>
                      {s.plan.archived_at !== null && (
                        <Badge size="xs" color="gray">
                          {t("plans.archived")}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{intervalText(t, s.plan.interval)}</Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">{formatKrw(s.plan.amount, lang)}</Text>
                  </Table.Td>
                  <Table.Td ta="right" data-testid="plan-subscribers">
                    <Text size="sm">{t("plans.subscribers", { count: s.subscribers })}</Text>
                    {s.paused > 0 && (
                      <Text size="xs" c="dimmed">
                        {t("plans.pausedCount", { count: s.paused })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="plan-mrr">
                    <Text size="sm">{formatKrw(s.mrr, lang)}</Text>
                  </Table.Td>
                  <Table.Td data-testid="plan-next-run">
                    {s.next_run_at === null ? (
                      <Text size="sm" c="dimmed">
                        {t("plans.page.none")}
                      </Text>
                    ) : (
                      <>
                        <Text size="sm">{formatDateTime(s.next_run_at, zone, lang)}</Text>
                        <Text size="xs" c="dimmed">
                          {t("plans.page.nextRunTotal", { count: s.next_run_count, amount: formatKrw(s.next_run_total, lang) })}
                        </Text>
                      </>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
      <PlanFormModal opened={creating} onClose={() => setCreating(false)} onSaved={(p) => void navigate(`/plans/${p.code}`)} />
      {fromCsv && <SubscribeManyModal customerUids={null} onClose={() => setFromCsv(false)} />}
    </Stack>
  );
}
