import { Alert, Badge, Button, Group, Menu, Modal, Paper, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPlayerPause, IconPlayerPlay, IconPlus, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AmountsRead, type CancelWhen, type Customer, type SubscribeForm, type SubscriptionChange, type SubscriptionView } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { shownAs, typedWon } from "../../lib/typed";
import { amountsQuery, customerSubscriptionsQuery, invalidate, plansQuery } from "../../lib/queries";
import { intervalText, PERIOD_COLORS, subscriptionState, SUB_COLORS } from "./planText";

/** A customer's subscriptions: each with its next charge, its actions and every period's attempts. */
export function SubscriptionSection({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const { status, profileId } = useApp();
  const subs = useQuery(customerSubscriptionsQuery(profileId, customer.customer_uid));
  const [subscribing, setSubscribing] = useState(false);
  const readOnly = status.active_profile.read_only;

  return (
    <Stack gap="sm" data-testid="subscriptions">
      <Group justify="flex-end">
        <Button size="xs" leftSection={<IconPlus size={14} />} disabled={customer.key_status !== "active" || readOnly} onClick={() => setSubscribing(true)} data-testid="subscribe-open">
          {t("plans.sub.subscribe")}
        </Button>
      </Group>
      {subs.error && <ErrorAlert error={subs.error} onRetry={() => void subs.refetch()} retrying={subs.isFetching} testId="subscriptions-error" />}
      {subs.data?.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("plans.sub.none")}
        </Text>
      )}
      {subs.data?.map((v) => <SubscriptionCard key={v.subscription.id} view={v} />)}
      {subscribing && <SubscribeModal customer={customer} onClose={() => setSubscribing(false)} />}
    </Stack>
  );
}

function SubscriptionCard({ view }: { view: SubscriptionView }) {
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const client = useQueryClient();
  const s = view.subscription;
  const state = subscriptionState(s);
  const [asking, setAsking] = useState<"pause" | CancelWhen | null>(null);
  const [done, setDone] = useState<SubscriptionChange | null>(null);
  const settle = () => invalidate(client, profileId, "money", s.customer_uid);
  const change = useMutation({
    mutationFn: (what: "pause" | "resume" | CancelWhen): Promise<SubscriptionChange | null> =>
      what === "pause" ? call(commands.pauseSubscription(s.id)) : what === "resume" ? call(commands.resumeSubscription(s.id)).then(() => null) : call(commands.cancelSubscription(s.id, what)),
    onSuccess: (r) => {
      setAsking(null);
      setDone(r);
    },
    onSettled: () => void settle(),
  });
  const readOnly = status.active_profile.read_only;
  const when = (at: number | null) => formatDateTime(at, zone, lang);

  return (
    <Paper withBorder p="sm" data-testid="subscription" data-plan={s.plan_code} data-state={state}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2}>
          <Group gap="xs">
            <Text fw={600}>{view.plan_name}</Text>
            <Badge size="sm" variant="light" color={SUB_COLORS[state]} data-testid="subscription-state">
              {t(`plans.sub.status.${state}`, { when: when(s.cancel_at) })}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {intervalText(t, view.interval)} · {formatKrw(view.amount, lang)}
          </Text>
          <Text size="sm" data-testid="subscription-next">
            {t("plans.sub.nextCharge")}: {view.next_charge_at === null ? "—" : when(view.next_charge_at)}
          </Text>
        </Stack>
        {state !== "cancelled" && (
          <Group gap="xs" wrap="nowrap">
            {state === "paused" ? (
              <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} disabled={readOnly} loading={change.isPending} onClick={() => change.mutate("resume")} data-testid="subscription-resume">
                {t("plans.sub.resume")}
              </Button>
            ) : (
              <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} disabled={readOnly} onClick={() => setAsking("pause")} data-testid="subscription-pause">
                {t("plans.sub.pause")}
              </Button>
            )}
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button size="xs" color="red" variant="light" leftSection={<IconX size={14} />} disabled={readOnly} data-testid="subscription-cancel">
                  {t("plans.sub.cancel")}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => setAsking("now")} data-testid="subscription-cancel-now">
                  {t("plans.sub.cancelNow")}
                </Menu.Item>
                {state !== "ending" && (
                  <Menu.Item onClick={() => setAsking("period_end")} data-testid="subscription-cancel-end">
                    {t("plans.sub.cancelPeriodEnd")}
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          </Group>
        )}
      </Group>
      {asking !== null && (
        <Alert color={asking === "pause" ? "yellow" : "red"} mt="sm" data-testid="subscription-confirm">
          <Stack gap="xs">
            <Text size="sm">{asking === "pause" ? t("plans.sub.pauseBody") : t("plans.sub.cancelBody")}</Text>
            <Group gap="xs" justify="flex-end">
              <Button size="xs" variant="default" onClick={() => setAsking(null)}>
                {t("common.close")}
              </Button>
              <Button size="xs" color={asking === "pause" ? "yellow" : "red"} loading={change.isPending} onClick={() => change.mutate(asking)} data-testid="subscription-confirm-yes">
                {asking === "pause" ? t("plans.sub.pause") : asking === "now" ? t("plans.sub.cancelNow") : t("plans.sub.cancelPeriodEnd")}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      {change.error && <ErrorAlert error={change.error} testId="subscription-error" />}
      {done && (
        <Alert color="green" mt="sm" withCloseButton onClose={() => setDone(null)} data-testid="subscription-changed">
          {t("plans.sub.changed", { count: done.revoked.length })}
          {done.pending.length > 0 && ` ${t("plans.sub.pending", { count: done.pending.length })}`}
        </Alert>
      )}
      <Text size="sm" fw={500} mt="sm">
        {t("plans.sub.periods")}
      </Text>
      {view.periods.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("plans.sub.noPeriods")}
        </Text>
      ) : (
        <Table withRowBorders verticalSpacing={4} data-testid="subscription-periods">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("plans.sub.col.period")}</Table.Th>
              <Table.Th>{t("plans.sub.col.due")}</Table.Th>
              <Table.Th>{t("plans.sub.col.state")}</Table.Th>
              <Table.Th>{t("plans.sub.col.attempts")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {view.periods.map((p) => (
              <Table.Tr key={p.record.period} data-testid="subscription-period" data-state={p.record.state} data-merchant-uid={p.record.merchant_uid}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {p.record.label}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: "nowrap" }}>
                    {when(p.record.due_at)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={PERIOD_COLORS[p.record.state] ?? "gray"}>
                    {t(`plans.sub.periodState.${p.record.state}`)}
                  </Badge>
                  {p.record.next_retry_at !== null && (
                    <Text size="xs" c="dimmed">
                      {t("plans.sub.nextRetry", { when: when(p.record.next_retry_at) })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    {p.attempts.map((a) => (
                      <Stack key={a.merchant_uid} gap={0} data-testid="subscription-attempt" data-outcome={a.outcome}>
                        <Group gap={6} wrap="nowrap">
                          <Text size="xs" style={{ whiteSpace: "nowrap" }}>
                            {a.retry > 0 ? t("plans.sub.attempt.retry", { n: a.retry }) : a.first_charge ? t("plans.sub.attempt.first") : t("plans.sub.attempt.schedule")}
                          </Text>
                          <Badge size="xs" variant="dot" color={PERIOD_COLORS[a.outcome] ?? "gray"} style={{ flexShrink: 0 }}>
                            {t(`plans.sub.outcome.${a.outcome}`)}
                          </Badge>
                          {a.decline && (
                            <Badge size="xs" variant="light" color={a.decline.class === "hard" ? "red" : "orange"} style={{ flexShrink: 0 }} data-testid="attempt-decline" data-class={a.decline.class}>
                              {t(`plans.sub.decline.${a.decline.kind}`)}
                              {a.decline.class === "hard" ? ` · ${t("plans.sub.hard")}` : ""}
                            </Badge>
                          )}
                        </Group>
                        {a.fail_reason && (
                          <Text size="xs" c="dimmed">
                            {a.fail_reason}
                          </Text>
                        )}
                      </Stack>
                    ))}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

interface SubscribeValues {
  plan_code: string | null;
  start_date: string;
  amount: string;
}

export const SUBSCRIBE_FIELDS = ["plan_code", "start_date", "amount"] as const;

/** The form as Rust's `SubscribeForm`, the own amount as Rust read it (`read`). */
export function toSubscribeForm(customerUid: string, v: SubscribeValues, read: AmountsRead, confirmedTotal: number | null): SubscribeForm {
  const own = v.amount.trim();
  return {
    plan_code: v.plan_code ?? "",
    customer_uid: customerUid,
    start_date: v.start_date.trim(),
    // Not a whole number: sent as 0 so that Rust names the field.
    amount: own === "" ? null : (read.amount ?? 0),
    confirmed_total: confirmedTotal,
  };
}

/** Subscribes the customer to a plan: Rust checks every field at once first; live profiles confirm the amount per period. */
function SubscribeModal({ customer, onClose }: { customer: Customer; onClose: () => void }) {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const plans = useQuery(plansQuery(profileId));
  const open = (plans.data ?? []).filter((p) => p.plan.archived_at === null);
  const form = useForm<SubscribeValues>({ initialValues: { plan_code: null, start_date: "", amount: "" } });
  const fieldOptions: FieldOptions = { fields: SUBSCRIBE_FIELDS, problemText: (code) => t(`customers.fieldErrors.${code}`) };
  const [confirming, setConfirming] = useState<number | null>(null);
  const chosen = open.find((p) => p.plan.code === form.values.plan_code);

  const subscribe = useMutation({
    mutationFn: (input: SubscribeForm) => call(commands.subscribeCustomer(input)),
    meta: { inlineError: true },
    onSuccess: () => {
      void invalidate(client, profileId, "money", customer.customer_uid);
      onClose();
    },
    onError: (e) => showRustFieldErrors(form, e, t, fieldOptions),
  });
  const preview = useMutation({
    mutationFn: (input: SubscribeForm) => call(commands.subscribePreview(input)),
    meta: { inlineError: true },
    onSuccess: (p, input) => {
      if (p.live) setConfirming(p.total);
      else subscribe.mutate(input);
    },
    onError: (e) => showRustFieldErrors(form, e, t, fieldOptions),
  });
  const submit = async (confirmed: number | null = null) => {
    form.clearErrors();
    const read = await client.fetchQuery(amountsQuery(profileId, form.values.amount, ""));
    const input = toSubscribeForm(customer.customer_uid, form.values, read, confirmed);
    if (confirmed === null) preview.mutate(input);
    else subscribe.mutate(input);
  };
  const failure = formError(form, subscribe.error ?? preview.error, fieldOptions);

  return (
    <Modal opened onClose={onClose} title={t("plans.sub.title")} data-testid="subscribe-modal">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">
            {customer.customer_name ?? customer.customer_uid} · {customer.card_name ?? ""} {customer.card_number ?? ""}
          </Text>
          {plans.data && open.length === 0 && <Alert color="gray">{t("plans.sub.noPlans")}</Alert>}
          <Select
            label={t("plans.sub.plan")}
            data={open.map((p) => ({ value: p.plan.code, label: `${p.plan.name} · ${intervalText(t, p.plan.interval)} · ${formatKrw(p.plan.amount, lang)}` }))}
            {...form.getInputProps("plan_code")}
            data-testid="subscribe-plan"
          />
          <TextInput label={t("plans.sub.startDate")} description={t("plans.sub.startDateHint")} placeholder="YYYY-MM-DD" {...form.getInputProps("start_date")} data-testid="subscribe-start" />
          <TextInput
            label={t("plans.sub.amount")}
            description={chosen ? t("plans.sub.amountHint", { amount: formatKrw(chosen.plan.amount, lang) }) : undefined}
            inputMode="numeric"
            {...shownAs(form.getInputProps("amount"), typedWon)}
            data-testid="subscribe-amount"
          />
          {chosen?.plan.first_charge && (
            <Alert color="blue" p="xs" data-testid="subscribe-charges-now">
              {t("plans.sub.previewNow", { amount: formatKrw(chosen.plan.amount, lang) })}
            </Alert>
          )}
          {preview.data && !preview.data.live && !preview.data.charges_now && (
            <Text size="sm" c="dimmed">
              {t("plans.sub.previewLine", { when: formatDateTime(preview.data.first_charge_at, zone, lang), amount: formatKrw(preview.data.total, lang) })}
            </Text>
          )}
          {failure !== null && <ErrorAlert error={failure} testId="subscribe-error" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("common.close")}
            </Button>
            <Button type="submit" disabled={form.values.plan_code === null} loading={preview.isPending || subscribe.isPending} data-testid="subscribe-submit">
              {t("plans.sub.submit")}
            </Button>
          </Group>
        </Stack>
      </form>
      <LiveConfirm
        opened={confirming !== null}
        lines={[{ customer: customer.customer_name ?? customer.customer_uid, amount: confirming ?? 0 }]}
        onCancel={() => setConfirming(null)}
        onConfirm={(total) => {
          setConfirming(null);
          void submit(total);
        }}
      />
    </Modal>
  );
}
