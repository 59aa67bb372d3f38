import { Alert, Button, Divider, Drawer, Group, Loader, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { commands, type ChargeResult, type ScheduleOpResult, type When } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, scheduleQuery } from "../../lib/queries";
import { ScheduleStateBadge } from "./ScheduleStateBadge";

const WHEN_FIELDS = ["date", "time"] as const;

/**
 * One schedule and what can be done with it: a pending one is moved or revoked; a failed
 * or revoked one is charged again now or scheduled again. Each goes through Rust's journal;
 * a live profile confirms the total of what moves money.
 */
export function ScheduleDrawer({ merchantUid, onClose }: { merchantUid: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Drawer opened={merchantUid !== null} onClose={onClose} position="right" size={460} title={t("schedules.drawer.title")} data-testid="schedule-drawer">
      {merchantUid !== null && <ScheduleView key={merchantUid} merchantUid={merchantUid} onClose={onClose} />}
    </Drawer>
  );
}

function ScheduleView({ merchantUid, onClose }: { merchantUid: string; onClose: () => void }) {
  const { t } = useTranslation();
  const { status, lang, profileId, zone: profileZone } = useApp();
  const client = useQueryClient();
  const navigate = useNavigate();
  const answer = useQuery(scheduleQuery(profileId, merchantUid));
  const detail = answer.data;
  const zone = detail?.time_zone ?? profileZone;
  const readOnly = status.active_profile.read_only;
  const live = status.active_profile.mode === "live";
  const when = (s: number | null | undefined) => formatDateTime(s, zone, lang);
  const [revoking, setRevoking] = useState(false);
  const [confirming, setConfirming] = useState<"retry" | "reschedule" | null>(null);
  const [retried, setRetried] = useState<ChargeResult | null>(null);
  const whenForm = useForm<When>({ initialValues: { date: "", time: "" } });
  const fieldOptions: FieldOptions = { fields: WHEN_FIELDS, problemText: (code) => t(`customers.fieldErrors.${code}`) };
  if (detail && whenForm.values.date === "" && whenForm.values.time === "" && !whenForm.isTouched()) {
    whenForm.setValues(detail.when);
  }
  const uid = detail?.schedule.customer_uid;
  const changed = () => invalidate(client, profileId, "money", uid);
  const said = (r: ScheduleOpResult, done: string) => {
    if (r.status === "done") notifications.show({ color: "green", message: done });
    else if (r.status === "unknown") notifications.show({ color: "yellow", message: t("schedules.drawer.checking") });
    else notifications.show({ color: "red", message: t("schedules.drawer.refused") });
  };

  const move = useMutation({
    mutationFn: (w: When) => call(commands.moveSchedule(merchantUid, w)),
    meta: { inlineError: true },
    onSuccess: (r) => said(r, t("schedules.drawer.moved")),
    onError: (e) => showRustFieldErrors(whenForm, e, t, fieldOptions),
    onSettled: changed,
  });
  const revoke = useMutation({
    mutationFn: () => call(commands.revokeSchedules(uid ?? "", [merchantUid])),
    meta: { inlineError: true },
    onSuccess: (rs) => {
      setRevoking(false);
      if (rs[0]) said(rs[0], t("schedules.drawer.revoked"));
    },
    onSettled: changed,
  });
  const reschedule = useMutation({
    mutationFn: ({ w, total }: { w: When; total: number | null }) => call(commands.rescheduleSchedule(merchantUid, w, total)),
    meta: { inlineError: true },
    onSuccess: (r) => said(r, t("schedules.drawer.rescheduled")),
    onError: (e) => showRustFieldErrors(whenForm, e, t, fieldOptions),
    onSettled: changed,
  });
  const retry = useMutation({
    mutationFn: (total: number | null) => call(commands.retrySchedule(merchantUid, total)),
    meta: { inlineError: true },
    onSuccess: (r) => setRetried(r),
    onSettled: changed,
  });

  if (answer.error && !detail) return <ErrorAlert error={answer.error} onRetry={() => void answer.refetch()} retrying={answer.isFetching} testId="schedule-drawer-error" />;
  if (!detail) return <Loader />;
  const s = detail.schedule;
  const pending = s.state === "scheduled";
  const again = s.state === "failed" || s.state === "revoked";
  const busy = move.isPending || revoke.isPending || reschedule.isPending || retry.isPending;
  const failure = formError(whenForm, move.error ?? reschedule.error, fieldOptions) ?? revoke.error ?? retry.error;
  const row = (label: string, value: ReactNode, testId?: string) => (
    <Table.Tr key={label}>
      <Table.Td w={120} c="dimmed">
        {label}
      </Table.Td>
      <Table.Td data-testid={testId}>{value}</Table.Td>
    </Table.Tr>
  );
  const submitAgain = (kind: "retry" | "reschedule", total: number | null) => {
    if (kind === "retry") retry.mutate(total);
    else reschedule.mutate({ w: whenForm.values, total });
  };
  const ask = (kind: "retry" | "reschedule") => {
    whenForm.clearErrors();
    if (live) setConfirming(kind);
    else submitAgain(kind, null);
  };

  return (
    <Stack>
      <Group gap="xs">
        <ScheduleStateBadge state={s.state} testId="schedule-drawer-state" />
        <Text fw={600}>{formatKrw(s.amount, lang)}</Text>
      </Group>
      <Table withRowBorders={false} verticalSpacing={4}>
        <Table.Tbody>
          {row(t("schedules.drawer.customer"), `${s.customer_name ?? s.buyer_name ?? ""} ${s.customer_uid}`.trim())}
          {row(t("schedules.drawer.merchantUid"), <Text ff="monospace" size="xs">{s.merchant_uid}</Text>, "schedule-drawer-muid")}
          {row(t("schedules.drawer.at"), when(s.schedule_at), "schedule-drawer-at")}
          {row(t("schedules.col.name"), s.name ?? "—")}
          {s.tax_free !== null && row(t("schedules.drawer.taxFree"), formatKrw(s.tax_free, lang))}
          {row(t("schedules.drawer.pg"), s.pg_provider ?? "—")}
          {s.executed_at !== null && row(t("schedules.drawer.executedAt"), when(s.executed_at))}
          {s.revoked_at !== null && row(t("schedules.drawer.revokedAt"), when(s.revoked_at))}
          {s.fail_reason && row(t("schedules.drawer.reason"), s.fail_reason)}
          {s.imp_uid && row(t("schedules.drawer.impUid"), <Text ff="monospace" size="xs">{s.imp_uid}</Text>)}
        </Table.Tbody>
      </Table>
      <Group>
        <Button
          variant="default"
          size="xs"
          onClick={() => {
            onClose();
            void navigate(`/customers/${encodeURIComponent(s.customer_uid)}`);
          }}
        >
          {t("schedules.drawer.openCustomer")}
        </Button>
      </Group>
      {(pending || again) && !readOnly && (
        <>
          <Divider />
          <Group grow align="flex-start">
            <TextInput label={t("schedules.form.date")} placeholder={t("schedules.filter.datePlaceholder")} {...whenForm.getInputProps("date")} data-testid="schedule-move-date" />
            <TextInput label={t("schedules.form.time")} placeholder={t("schedules.form.timePlaceholder")} {...whenForm.getInputProps("time")} data-testid="schedule-move-time" />
          </Group>
          <Text size="xs" c="dimmed" mt={-8}>
            {t("schedules.form.zone", { zone })}
          </Text>
        </>
      )}
      {failure !== null && failure !== undefined && <ErrorAlert error={failure} testId="schedule-action-error" />}
      {retried && (
        <Alert color={retried.status === "paid" ? "green" : retried.status === "declined" ? "red" : "yellow"} data-testid="schedule-retry-result">
          {retried.status === "paid"
            ? retried.replayed
              ? t("schedules.drawer.retryReplayed")
              : t("schedules.drawer.retryPaid", { amount: formatKrw(retried.amount, lang) })
            : retried.status === "declined"
              ? t("schedules.drawer.retryDeclined", { reason: retried.fail_reason ?? "" })
              : t("schedules.drawer.retryUnknown")}
        </Alert>
      )}
      {pending && !readOnly && (
        <Group justify="space-between">
          <Button color="red" variant="light" onClick={() => setRevoking(true)} loading={revoke.isPending} disabled={busy} data-testid="schedule-revoke">
            {t("schedules.drawer.revoke")}
          </Button>
          <Button onClick={() => move.mutate(whenForm.values)} loading={move.isPending} disabled={busy} data-testid="schedule-move">
            {t("schedules.drawer.moveSubmit")}
          </Button>
        </Group>
      )}
      {again && !readOnly && (
        <Group justify="space-between">
          <Button variant="default" onClick={() => ask("reschedule")} loading={reschedule.isPending} disabled={busy} data-testid="schedule-reschedule">
            {t("schedules.drawer.rescheduleSubmit")}
          </Button>
          <Button onClick={() => ask("retry")} loading={retry.isPending} disabled={busy} data-testid="schedule-retry">
            {t("schedules.drawer.retry")}
          </Button>
        </Group>
      )}
      {revoking && (
        <Alert color="red" data-testid="schedule-revoke-confirm">
          <Stack gap="xs">
            <Text size="sm">{t("schedules.drawer.revokeConfirm")}</Text>
            <Group justify="flex-end">
              <Button size="xs" variant="default" onClick={() => setRevoking(false)}>
                {t("customers.detail.cancel")}
              </Button>
              <Button size="xs" color="red" onClick={() => revoke.mutate()} loading={revoke.isPending} data-testid="schedule-revoke-yes">
                {t("schedules.drawer.revokeYes")}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      <LiveConfirm
        opened={confirming !== null}
        lines={[{ customer: s.customer_name ?? s.customer_uid, amount: s.amount }]}
        onCancel={() => setConfirming(null)}
        onConfirm={(total) => {
          const kind = confirming;
          setConfirming(null);
          if (kind) submitAgain(kind, total);
        }}
      />
    </Stack>
  );
}
