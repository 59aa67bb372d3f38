import { Alert, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { IconArrowsDiff, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { commands, type DifferenceKind, type PaymentSide, type PeriodComparison, type SettlementPeriod, type SideTotals } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { PeriodPicker, usePeriodChoice } from "../../components/PeriodPicker";
import { PageHeader } from "../../layout/PageHeader";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, keys } from "../../lib/queries";

const KIND_COLORS: Record<DifferenceKind, string> = { missing_here: "blue", missing_there: "red", status: "orange", amount: "red", refunded: "yellow" };

/** A month, quarter or half-year at PortOne against the store, differences brought over on request. */
export function ReconcilePage() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const choice = usePeriodChoice("month");
  const refresh = useQuery({ queryKey: [...keys.profile(profileId), "refresh-status"], queryFn: () => call(commands.refreshStatus()), refetchInterval: 60_000 });
  // "Match" applies the period on screen, whatever the picker shows by then.
  const compare = useMutation({
    mutationFn: ({ period, apply }: { period: SettlementPeriod; apply: boolean }) => call(commands.comparePeriod(period, apply)),
    meta: { inlineError: true },
    onSuccess: async (r) => {
      if (r.applied > 0) await invalidate(client, profileId, "money");
    },
  });
  const result = compare.data ?? null;
  const shownPeriod = compare.variables?.period;
  const applying = compare.isPending && compare.variables?.apply === true;
  const fixable = result ? result.counts.filter(([k]) => k !== "missing_there").reduce((n, [, c]) => n + c, 0) : 0;
  const r = refresh.data;

  return (
    <Stack>
      <PageHeader title={t("reconcile.title")} description={t("reconcile.description")} />
      <PeriodPicker choice={choice} testId="reconcile">
        <Button leftSection={<IconArrowsDiff size={16} />} loading={compare.isPending && compare.variables?.apply === false} disabled={compare.isPending} onClick={() => compare.mutate({ period: choice.period, apply: false })} data-testid="reconcile-compare">
          {t("reconcile.compare")}
        </Button>
      </PeriodPicker>
      {r && (
        <Text size="xs" c="dimmed" data-testid="reconcile-background">
          {r.running
            ? t("reconcile.background.running", { days: r.days })
            : r.finished_at
              ? r.error
                ? t("reconcile.background.failed", { days: r.days, when: formatDateTime(r.finished_at, zone, lang) })
                : t("reconcile.background.done", { days: r.days, when: formatDateTime(r.finished_at, zone, lang), count: r.applied ?? 0 })
              : t("reconcile.background.waiting", { days: r.days })}
        </Text>
      )}
      {compare.error && <ErrorAlert error={compare.error} />}
      {result && (
        // Which answer is on screen (the time it was asked for), once it has arrived.
        <div data-testid="reconcile-result" data-asked-at={compare.isPending ? undefined : compare.submittedAt}>
          <ComparisonView result={result} fixable={fixable} applying={applying} onApply={() => shownPeriod && compare.mutate({ period: shownPeriod, apply: true })} />
        </div>
      )}
    </Stack>
  );
}

function ComparisonView({ result, fixable, applying, onApply }: { result: PeriodComparison; fixable: number; applying: boolean; onApply: () => void }) {
  const { t } = useTranslation();
  const { lang } = useApp();
  const won = (n: number) => formatKrw(n, lang);
  const clean = result.differences_total === 0 && result.open_journal.length === 0;
  const side = (s: PaymentSide | null) =>
    s ? `${t(`customers.paymentStatus.${s.status}`)} · ${won(s.amount)}${s.cancel_amount > 0 ? ` (${t("reconcile.refunded", { amount: won(s.cancel_amount) })})` : ""}` : t("reconcile.none");
  const totals = (title: string, s: SideTotals, testId: string) => (
    <Paper withBorder p="sm" data-testid={testId}>
      <Text size="sm" fw={600}>
        {title}
      </Text>
      <Text size="sm">{t("reconcile.totals", { count: s.count, amount: won(s.amount), refunded: won(s.refunded) })}</Text>
    </Paper>
  );
  return (
    <Stack>
      <SimpleGrid cols={2}>
        {totals(t("reconcile.theirs"), result.theirs, "reconcile-theirs")}
        {totals(t("reconcile.ours"), result.ours, "reconcile-ours")}
      </SimpleGrid>
      {clean ? (
        <Alert color="green" data-testid="reconcile-clean">
          {t("reconcile.clean")}
        </Alert>
      ) : (
        <Group gap="xs" data-testid="reconcile-counts">
          {result.counts.map(([kind, count]) => (
            <Badge key={kind} color={KIND_COLORS[kind]} variant="light">
              {t(`reconcile.kind.${kind}`)} {count.toLocaleString(lang)}
            </Badge>
          ))}
          {result.open_journal.length > 0 && (
            <Badge color="gray" variant="light" component={Link} to="/charges" style={{ cursor: "pointer" }}>
              {t("reconcile.open", { count: result.open_journal.length })}
            </Badge>
          )}
          {fixable > 0 && (
            <Button ml="auto" size="xs" leftSection={<IconRefresh size={14} />} loading={applying} onClick={onApply} data-testid="reconcile-apply">
              {t("reconcile.apply", { count: fixable })}
            </Button>
          )}
        </Group>
      )}
      {result.applied > 0 && (
        <Alert color="green" data-testid="reconcile-applied">
          {t("reconcile.applied", { count: result.applied })}
        </Alert>
      )}
      {result.unchecked > 0 && (
        <Text size="sm" c="dimmed">
          {t("reconcile.unchecked", { count: result.unchecked })}
        </Text>
      )}
      {result.differences.length > 0 && (
        <Paper withBorder>
          <Title order={6} p="sm">
            {t("reconcile.differences", { shown: result.differences.length, total: result.differences_total })}
          </Title>
          <Table striped data-testid="reconcile-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("reconcile.col.kind")}</Table.Th>
                <Table.Th>{t("reconcile.col.order")}</Table.Th>
                <Table.Th>{t("reconcile.col.customer")}</Table.Th>
                <Table.Th>{t("reconcile.col.ours")}</Table.Th>
                <Table.Th>{t("reconcile.col.theirs")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {result.differences.map((d) => (
                <Table.Tr key={d.imp_uid} data-testid="reconcile-row" data-kind={d.kind}>
                  <Table.Td>
                    <Badge size="sm" color={KIND_COLORS[d.kind]} variant="light">
                      {t(`reconcile.kind.${d.kind}`)}
                    </Badge>
                    {d.applied && (
                      <Text size="xs" c="green">
                        {t("reconcile.rowApplied")}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ff="monospace" fz="xs">
                    {d.merchant_uid || d.imp_uid}
                  </Table.Td>
                  <Table.Td fz="xs">{d.customer_uid ? <Link to={`/customers/${encodeURIComponent(d.customer_uid)}`}>{d.customer_uid}</Link> : "—"}</Table.Td>
                  <Table.Td fz="xs">{side(d.ours)}</Table.Td>
                  <Table.Td fz="xs">{side(d.theirs)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <Text size="xs" c="dimmed">
        {t("reconcile.note")}
      </Text>
    </Stack>
  );
}
