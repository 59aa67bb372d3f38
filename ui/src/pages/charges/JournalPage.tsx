import { Badge, Button, Group, Stack, Switch, Table, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCreditCard, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands, type JournalEntry, type JournalState } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { EmptyState } from "../../layout/EmptyState";
import { PageHeader } from "../../layout/PageHeader";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, journalQuery } from "../../lib/queries";

const STATE_COLORS: Record<JournalState, string> = {
  pending: "gray",
  sent: "blue",
  succeeded: "green",
  declined: "red",
  rejected: "red",
  unknown: "yellow",
  resolved: "teal",
  conflict: "orange",
};

/** The money journal: every request Subdesk sent, and those still being checked. */
export function JournalPage() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [openOnly, setOpenOnly] = useState(false);
  const journal = useQuery(journalQuery(profileId, { open_only: openOnly, customer_uid: null, merchant_uid: null, before_id: null, limit: 500 }));
  const rows = journal.data ?? null;
  const settled = () => invalidate(client, profileId, "money");

  const reconcile = useMutation({
    mutationFn: () => call(commands.reconcileNow()),
    onSuccess: async (r) => {
      notifications.show({ color: r.still_open > 0 ? "yellow" : "green", message: t("money.journal.reconciled", { checked: r.checked, resolved: r.resolved, open: r.still_open }) });
      await settled();
    },
  });

  const decide = useMutation({
    mutationFn: ({ entry, ours }: { entry: JournalEntry; ours: boolean }) => call(commands.decideConflict(entry.id, ours, "")),
    onSuccess: async () => {
      notifications.show({ color: "green", message: t("money.journal.decided") });
      await settled();
    },
  });
  const busy = reconcile.isPending || decide.isPending;

  return (
    <Stack>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("money.journal.title")} description={t("money.journal.description")} />
        <Button variant="default" leftSection={<IconRefresh size={16} />} loading={reconcile.isPending} onClick={() => reconcile.mutate()} data-testid="reconcile-now">
          {t("money.journal.reconcile")}
        </Button>
      </Group>
      <Switch label={t("money.journal.openOnly")} checked={openOnly} onChange={(e) => setOpenOnly(e.currentTarget.checked)} />
      {journal.error && <ErrorAlert error={journal.error} onRetry={() => void journal.refetch()} retrying={journal.isFetching} testId="journal-error" />}
      {rows && rows.length === 0 && !openOnly ? (
        <EmptyState icon={IconCreditCard} title={t("money.journal.emptyTitle")} body={t("money.journal.emptyBody")} />
      ) : (
        <Table striped highlightOnHover data-testid="journal">
          <Table.Thead>
            <Table.Tr>
              {(["at", "op", "customer", "merchant_uid", "amount", "state", "outcome"] as const).map((k) => (
                <Table.Th key={k}>{t(`money.journal.col.${k}`)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(rows ?? []).map((j) => (
              <Table.Tr key={j.id} data-testid="journal-row" style={{ cursor: j.customer_uid ? "pointer" : undefined }} onClick={() => j.customer_uid && void navigate(`/customers/${encodeURIComponent(j.customer_uid)}`)}>
                <Table.Td>{formatDateTime(j.created_at, zone, lang)}</Table.Td>
                <Table.Td>{t(`money.journal.op.${j.op}`)}</Table.Td>
                <Table.Td ff="monospace" fz="xs">
                  {j.customer_uid ?? "—"}
                </Table.Td>
                <Table.Td ff="monospace" fz="xs">
                  {j.merchant_uid}
                </Table.Td>
                <Table.Td ta="right">{formatKrw(j.amount, lang)}</Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={STATE_COLORS[j.state]}>
                    {t(`money.journal.state.${j.state}`)}
                  </Badge>
                </Table.Td>
                <Table.Td fz="xs">
                  {j.fail_reason ?? (j.outcome ? t(`money.journal.outcome.${j.outcome}`, { defaultValue: "" }) : "")}
                  {j.state === "conflict" && <ConflictDecision entry={j} busy={busy} onDecide={(ours) => decide.mutate({ entry: j, ours })} />}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** What i'mport holds under the row's order id, and the two decisions a person can make. */
function ConflictDecision({ entry, busy, onDecide }: { entry: JournalEntry; busy: boolean; onDecide: (ours: boolean) => void }) {
  const { t } = useTranslation();
  const { lang } = useApp();
  let other: { customer_uid?: string | null; amount?: number | null } = {};
  try {
    other = JSON.parse(entry.conflict ?? "{}") as typeof other;
  } catch {
    other = {};
  }
  return (
    <Stack gap={4} mt={4} onClick={(e) => e.stopPropagation()}>
      <Text size="xs">{t("money.journal.conflictOther", { customer: other.customer_uid ?? "—", amount: other.amount != null ? formatKrw(other.amount, lang) : "—" })}</Text>
      <Group gap="xs">
        <Button size="compact-xs" variant="default" loading={busy} onClick={() => onDecide(true)} data-testid="conflict-ours">
          {t("money.journal.decideOurs")}
        </Button>
        <Button size="compact-xs" variant="default" loading={busy} onClick={() => onDecide(false)} data-testid="conflict-not-ours">
          {t("money.journal.decideNotOurs")}
        </Button>
      </Group>
    </Stack>
  );
}
