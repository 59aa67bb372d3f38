import { Alert, Badge, Button, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconArchive, IconPencil } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { commands } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { BackLink } from "../../layout/BackLink";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { keys, planQuery } from "../../lib/queries";
import { PlanFormModal } from "./PlanFormModal";
import { intervalText, PERIOD_COLORS, subscriptionState, SUB_COLORS } from "./planText";

/** One plan: its figures (Rust's), its retries, its subscribers; edit and archive. */
export function PlanPage() {
  const { code = "" } = useParams();
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const navigate = useNavigate();
  const client = useQueryClient();
  const detail = useQuery(planQuery(profileId, code));
  const [editing, setEditing] = useState(false);
  const archive = useMutation({
    mutationFn: (archived: boolean) => call(commands.archivePlan(code, archived)),
    onSettled: () => void client.invalidateQueries({ queryKey: keys.plans(profileId) }),
  });
  const back = <BackLink to="/plans" label={t("plans.page.back")} />;
  if (detail.error)
    return (
      <Stack>
        {back}
        <ErrorAlert error={detail.error} onRetry={() => void detail.refetch()} retrying={detail.isFetching} testId="plan-page-error" />
      </Stack>
    );
  if (!detail.data) return <Loader />;
  const { summary, subscribers } = detail.data;
  const plan = summary.plan;
  const archived = plan.archived_at !== null;
  const readOnly = status.active_profile.read_only;
  const figure = (label: string, value: string, sub?: string, testId?: string) => (
    <Paper withBorder p="sm" data-testid={testId}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
      {sub && (
        <Text size="xs" c="dimmed">
          {sub}
        </Text>
      )}
    </Paper>
  );

  return (
    <Stack gap="sm">
      {back}
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2}>
          <Group gap="xs">
            <Title order={2} data-testid="page-title">
              {plan.name}
            </Title>
            {archived && <Badge color="gray">{t("plans.archived")}</Badge>}
          </Group>
          <Text size="sm" c="dimmed">
            <Text span ff="monospace">
              {plan.code}
            </Text>{" "}
            · {intervalText(t, plan.interval)} · {t("plans.page.start")} {formatDateTime(plan.start_at, zone, lang)}
          </Text>
          <Text size="sm" c="dimmed" data-testid="plan-dunning">
            {plan.dunning.ladder.length === 0
              ? t("plans.page.noDunning", { end: t(`plans.form.end.${plan.dunning.end}`) })
              : t("plans.page.dunning", { days: plan.dunning.ladder.join(", "), end: t(`plans.form.end.${plan.dunning.end}`) })}
            {plan.first_charge && ` · ${t("plans.page.firstCharge")}`}
          </Text>
        </Stack>
        <Group gap="xs" wrap="nowrap">
          <Button variant="default" leftSection={<IconPencil size={16} />} disabled={readOnly} onClick={() => setEditing(true)} data-testid="plan-edit">
            {t("plans.page.edit")}
          </Button>
          <Button variant="light" color="gray" leftSection={<IconArchive size={16} />} disabled={readOnly} loading={archive.isPending} onClick={() => archive.mutate(!archived)} data-testid="plan-archive">
            {archived ? t("plans.page.unarchive") : t("plans.page.archive")}
          </Button>
        </Group>
      </Group>
      {archived && <Alert color="gray">{t("plans.page.archivedNote")}</Alert>}
      {archive.error && <ErrorAlert error={archive.error} testId="plan-archive-error" />}
      <SimpleGrid cols={4}>
        {figure(t("plans.col.amount"), formatKrw(plan.amount, lang), plan.tax_free > 0 ? `${t("plans.form.taxFree")} ${formatKrw(plan.tax_free, lang)}` : undefined)}
        {figure(t("plans.col.subscribers"), t("plans.subscribers", { count: summary.subscribers }), summary.paused > 0 ? t("plans.pausedCount", { count: summary.paused }) : undefined, "plan-figure-subscribers")}
        {figure(t("plans.page.mrr"), formatKrw(summary.mrr, lang), undefined, "plan-figure-mrr")}
        {figure(
          t("plans.page.nextRun"),
          summary.next_run_at === null ? t("plans.page.none") : formatDateTime(summary.next_run_at, zone, lang),
          summary.next_run_at === null ? undefined : t("plans.page.nextRunTotal", { count: summary.next_run_count, amount: formatKrw(summary.next_run_total, lang) }),
          "plan-figure-next",
        )}
      </SimpleGrid>
      <Title order={5} mt="sm">
        {t("plans.page.subscribersTitle")}
      </Title>
      {subscribers.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("plans.page.noSubscribers")}
        </Text>
      ) : (
        <Table striped highlightOnHover data-testid="plan-subscribers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("plans.sub.customer")}</Table.Th>
              <Table.Th>{t("plans.sub.col.state")}</Table.Th>
              <Table.Th ta="right">{t("plans.sub.amountCol")}</Table.Th>
              <Table.Th>{t("plans.sub.nextCharge")}</Table.Th>
              <Table.Th>{t("plans.sub.periods")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {subscribers.map((v) => {
              const state = subscriptionState(v.subscription);
              // The newest period that ran (not one only registered ahead), with its attempts.
              const last = v.periods.find((p) => p.record.state !== "scheduled") ?? v.periods[0];
              return (
                <Table.Tr key={v.subscription.id} style={{ cursor: "pointer" }} onClick={() => void navigate(`/customers/${encodeURIComponent(v.subscription.customer_uid)}`)} data-testid="plan-subscriber">
                  <Table.Td>
                    <Text size="sm">{v.customer_name ?? v.subscription.customer_uid}</Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {v.card_number ?? ""}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={SUB_COLORS[state]}>
                      {t(`plans.sub.status.${state}`, { when: formatDateTime(v.subscription.cancel_at, zone, lang) })}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm">{formatKrw(v.amount, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{v.next_charge_at === null ? "—" : formatDateTime(v.next_charge_at, zone, lang)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{last ? `${last.record.label} · ${t(`plans.sub.periodState.${last.record.state}`)}` : "—"}</Text>
                    {last && last.attempts.length > 1 && (
                      <Group gap={4} wrap="wrap">
                        {last.attempts.map((a) => (
                          <Badge key={a.merchant_uid} size="xs" variant="dot" color={PERIOD_COLORS[a.outcome] ?? "gray"} data-testid="plan-subscriber-attempt" data-outcome={a.outcome}>
                            {a.retry > 0 ? t("plans.sub.attempt.retry", { n: a.retry }) : a.first_charge ? t("plans.sub.attempt.first") : t("plans.sub.attempt.schedule")}
                          </Badge>
                        ))}
                      </Group>
                    )}
                    {last?.attempts.at(-1)?.decline && (
                      <Text size="xs" c={last.attempts.at(-1)?.decline?.class === "hard" ? "red" : "dimmed"} data-testid="plan-subscriber-decline">
                        {t(`plans.sub.decline.${last.attempts.at(-1)?.decline?.kind ?? "other"}`)}
                        {last.attempts.at(-1)?.decline?.class === "hard" ? ` · ${t("plans.sub.hard")}` : ""}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {editing && <PlanFormModal opened onClose={() => setEditing(false)} edit={{ code, form: detail.data.edit }} onSaved={() => void detail.refetch()} />}
    </Stack>
  );
}
