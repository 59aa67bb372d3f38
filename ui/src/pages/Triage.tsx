import { Alert, Badge, Button, Group, Loader, Modal, Paper, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconChecklist } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands, type ChargeResult, type TriageEntry, type TriageKind } from "../bindings";
import { useApp } from "../AppContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { LiveConfirm } from "../components/LiveConfirm";
import { EmptyState } from "../layout/EmptyState";
import { PageHeader } from "../layout/PageHeader";
import { formatDateTime, formatKrw } from "../lib/format";
import { call } from "../lib/ipc";
import { invalidate, keys, triageQuery } from "../lib/queries";

export const KIND_COLORS: Record<TriageKind, string> = {
  failed_charge: "red",
  failed_schedule: "red",
  unknown_outcome: "yellow",
  conflict: "orange",
  key_unknown: "grape",
  card_expiring: "blue",
};

/** Entries drawn at first, and added by each "more". */
export const TRIAGE_PAGE = 50;

/**
 * What needs a person (Rust decides what is in the queue): each entry with its actions —
 * charge the same order again (a live profile confirms the total), look it up at i'mport
 * now, copy the customer's phone or e-mail, mark it resolved (recorded in the audit log).
 */
export function Triage() {
  const { t } = useTranslation();
  const { profileId } = useApp();
  const answer = useQuery(triageQuery(profileId));
  const entries = answer.data;
  // A queue of thousands (a big store's month of declines) is drawn a page at a time:
  // thousands of cards at once froze the window for minutes and held hundreds of MB.
  const [shown, setShown] = useState(TRIAGE_PAGE);

  return (
    <Stack>
      <PageHeader title={t("triage.title")} description={t("triage.description")} />
      {answer.error && <ErrorAlert error={answer.error} onRetry={() => void answer.refetch()} retrying={answer.isFetching} testId="triage-error" />}
      {!entries && !answer.error && <Loader />}
      {entries && entries.length === 0 && <EmptyState icon={IconChecklist} title={t("triage.emptyTitle")} body={t("triage.emptyBody")} />}
      {entries && entries.length > 0 && (
        <Stack gap="sm" data-testid="triage-list">
          {entries.slice(0, shown).map((e) => (
            <EntryCard key={e.key} entry={e} />
          ))}
          {entries.length > shown && (
            <Button variant="default" onClick={() => setShown((n) => n + TRIAGE_PAGE)} data-testid="triage-more">
              {t("triage.more", { count: entries.length - shown })}
            </Button>
          )}
        </Stack>
      )}
    </Stack>
  );
}

function EntryCard({ entry: e }: { entry: TriageEntry }) {
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const readOnly = status.active_profile.read_only;
  const live = status.active_profile.mode === "live";
  const [resolving, setResolving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState("");
  const [retried, setRetried] = useState<ChargeResult | null>(null);
  const changed = () => {
    void client.invalidateQueries({ queryKey: keys.triage(profileId) });
    void invalidate(client, profileId, "money", e.customer_uid ?? undefined);
  };

  const resolve = useMutation({
    mutationFn: () => call(commands.triageResolve(e.key, note)),
    meta: { inlineError: true },
    onSuccess: () => {
      setResolving(false);
      notifications.show({ color: "green", message: t("triage.resolved") });
    },
    onSettled: changed,
  });
  const check = useMutation({
    mutationFn: () => call(commands.triageCheck(e.key)),
    meta: { inlineError: true },
    onSuccess: (after) => notifications.show({ color: after ? "yellow" : "green", message: after ? t("triage.checkedStill") : t("triage.checkedGone") }),
    onSettled: changed,
  });
  const retry = useMutation({
    mutationFn: (total: number | null) => call(commands.triageRetry(e.key, total)),
    meta: { inlineError: true },
    onSuccess: (r) => {
      setRetried(r);
      notifications.show({ color: r.status === "paid" ? "green" : r.status === "declined" ? "red" : "yellow", message: retryText(r) });
    },
    onSettled: changed,
  });
  const retryText = (r: ChargeResult) =>
    r.status === "paid"
      ? r.replayed
        ? t("triage.retryReplayed")
        : t("triage.retryPaid", { amount: formatKrw(r.amount, lang) })
      : r.status === "declined"
        ? t("triage.retryDeclined", { reason: r.fail_reason ?? "" })
        : t("triage.retryUnknown");

  const copy = async (value: string) => {
    try {
      await navigator.clipboard.writeText(value);
      notifications.show({ color: "green", message: t("triage.copied", { value }) });
    } catch {
      notifications.show({ color: "red", message: t("triage.copyFailed") });
    }
  };
  const busy = resolve.isPending || check.isPending || retry.isPending;
  const failure = resolve.error ?? check.error ?? retry.error;
  const who = e.customer_name ?? e.customer_uid ?? "—";
  const canRetry = e.actions.includes("retry") && !readOnly;

  return (
    <Paper withBorder p="sm" radius="md" data-testid="triage-entry" data-kind={e.kind} data-key={e.key}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs" wrap="wrap">
            <Badge color={KIND_COLORS[e.kind]} variant="light" data-testid="triage-kind">
              {t(`triage.kind.${e.kind}`)}
            </Badge>
            {e.amount !== null && (
              <Text fw={600} size="sm">
                {formatKrw(e.amount, lang)}
              </Text>
            )}
            {e.name && <Text size="sm">{e.name}</Text>}
          </Group>
          <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
            {formatDateTime(e.at, zone, lang)}
          </Text>
        </Group>
        <Group gap="xs" wrap="wrap">
          {e.customer_uid ? (
            <Button variant="subtle" size="compact-sm" px={4} onClick={() => void navigate(`/customers/${encodeURIComponent(e.customer_uid ?? "")}`)} data-testid="triage-customer">
              {who}
            </Button>
          ) : (
            <Text size="sm">{who}</Text>
          )}
          {e.card_number && (
            <Text size="xs" c="dimmed">
              {t("triage.card")} {e.card_name ?? ""} {e.card_number}
              {e.card_expiry ? ` · ${e.card_expiry}` : ""}
            </Text>
          )}
          {e.merchant_uid && (
            <Text size="xs" c="dimmed" ff="monospace" title={t("triage.order")}>
              {e.merchant_uid}
            </Text>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {t(`triage.explain.${e.kind}`, { month: e.card_expiry ?? "" })}
          {e.reason && e.kind !== "unknown_outcome" ? ` ${t("triage.reason", { reason: e.reason })}` : ""}
        </Text>
        {e.decline && (
          <Group gap={4}>
            <Badge size="sm" variant="light" color={e.decline.class === "hard" ? "red" : "orange"} data-testid="triage-decline">
              {t(`plans.sub.decline.${e.decline.kind}`)}
            </Badge>
            {e.decline.class === "hard" && (
              <Badge size="sm" variant="outline" color="red" data-testid="triage-hard">
                {t("plans.sub.hard")}
              </Badge>
            )}
          </Group>
        )}
        {failure && <ErrorAlert error={failure} testId="triage-action-error" />}
        {retried && (
          <Alert color={retried.status === "paid" ? "green" : retried.status === "declined" ? "red" : "yellow"} p="xs" data-testid="triage-retry-result">
            {retryText(retried)}
          </Alert>
        )}
        <Group gap="xs" wrap="wrap">
          {canRetry && (
            <Button size="xs" onClick={() => (live ? setConfirming(true) : retry.mutate(null))} loading={retry.isPending} disabled={busy} data-testid="triage-retry">
              {t("triage.actions.retry")}
            </Button>
          )}
          {e.actions.includes("check") && (
            <Button size="xs" variant="default" onClick={() => check.mutate()} loading={check.isPending} disabled={busy} data-testid="triage-check">
              {t("triage.actions.check")}
            </Button>
          )}
          {e.customer_tel && (
            <Button size="xs" variant="default" onClick={() => void copy(e.customer_tel ?? "")} data-testid="triage-copy-tel">
              {t("triage.actions.copyTel")}
            </Button>
          )}
          {e.customer_email && (
            <Button size="xs" variant="default" onClick={() => void copy(e.customer_email ?? "")} data-testid="triage-copy-email">
              {t("triage.actions.copyEmail")}
            </Button>
          )}
          {!readOnly && (
            <Button size="xs" variant="light" color="teal" onClick={() => setResolving(true)} disabled={busy} data-testid="triage-resolve">
              {t("triage.actions.resolve")}
            </Button>
          )}
        </Group>
      </Stack>
      <Modal opened={resolving} onClose={() => setResolving(false)} title={t("triage.resolveTitle")} data-testid="triage-resolve-modal">
        <Stack>
          <Text size="sm">{t("triage.resolveBody")}</Text>
          <TextInput label={t("triage.note")} placeholder={t("triage.notePlaceholder")} value={note} onChange={(ev) => setNote(ev.currentTarget.value)} data-testid="triage-note" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setResolving(false)}>
              {t("triage.cancel")}
            </Button>
            <Button onClick={() => resolve.mutate()} loading={resolve.isPending} data-testid="triage-resolve-yes">
              {t("triage.resolveYes")}
            </Button>
          </Group>
        </Stack>
      </Modal>
      <LiveConfirm
        opened={confirming}
        lines={[{ customer: who, amount: e.amount ?? 0 }]}
        onCancel={() => setConfirming(false)}
        onConfirm={(total) => {
          setConfirming(false);
          retry.mutate(total);
        }}
      />
    </Paper>
  );
}
