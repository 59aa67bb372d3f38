import { Alert, Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AmountsRead, type Customer, type ProductType, type ScheduleForm, type ScheduleOpResult } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { ProductTypeSelect } from "../../components/ProductTypeSelect";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { useTypedAmounts } from "../../lib/amounts";
import { chargeNeedsQuery, invalidate, orderIntentQuery } from "../../lib/queries";
import { shownAs, typedWon } from "../../lib/typed";

export interface ScheduleValues {
  date: string;
  time: string;
  amount: string;
  tax_free: string;
  name: string;
  /** None: the kind kept with the key (KSNET). */
  product_type: ProductType | null;
}

const EMPTY: ScheduleValues = { date: "", time: "10:00", amount: "", tax_free: "", name: "", product_type: null };

/** Rust's field names → the form's: the date and time travel inside `when`. */
export const SCHEDULE_FIELDS = ["date", "time", "amount", "tax_free", "name", "product_type"] as const;

/**
 * The form's values as Rust's `ScheduleForm`, its amounts as Rust read them (`read`):
 * text it could not read as whole won is sent as 0 or -1, so that Rust names the field.
 */
export function toScheduleForm(customerUid: string, v: ScheduleValues, read: AmountsRead, merchantUid: string | null, confirmedTotal: number | null): ScheduleForm {
  const free = v.tax_free.trim() === "" ? null : (read.tax_free ?? -1);
  return {
    customer_uid: customerUid,
    when: { date: v.date.trim(), time: v.time.trim() },
    amount: read.amount ?? 0,
    tax_free: free,
    name: v.name,
    merchant_uid: merchantUid,
    confirmed_total: confirmedTotal,
    product_type: v.product_type,
  };
}

/**
 * A one-off scheduled charge for a customer: date and time in the profile's zone, amount,
 * tax-free part and order name. Every rule is Rust's: on submit its problems land on the
 * fields they name (every one at once), and nothing is sent. One opening is one intent
 * with one order id, so pressing again after a lost answer never registers twice. Live
 * profiles confirm the total first.
 */
export function ScheduleModal({ customer, opened, onClose }: { customer: Customer; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const form = useForm<ScheduleValues>({ initialValues: EMPTY });
  const fieldOptions: FieldOptions = { fields: SCHEDULE_FIELDS, problemText: (code) => t(`customers.fieldErrors.${code}`) };
  const [opening, setOpening] = useState(0);
  const intentAnswer = useQuery({ ...orderIntentQuery(profileId, opening), enabled: opened });
  const [intent, setIntent] = useState<string | null>(null);
  if (opened && intent === null && intentAnswer.data !== undefined) setIntent(intentAnswer.data);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [result, setResult] = useState<{ r: ScheduleOpResult; at: number | null; amount: number } | null>(null);
  const typed = useTypedAmounts(profileId, form.values.amount, form.values.tax_free, opened);
  const won = typed.won;
  const needs = useQuery({ ...chargeNeedsQuery(profileId, customer.customer_uid), enabled: opened }).data;

  const register = useMutation({
    mutationFn: async (input: ScheduleForm) => {
      const r = await call(commands.registerSchedule(input));
      const detail = r.status === "done" ? await call(commands.scheduleDetail(r.merchant_uid)).catch(() => null) : null;
      return { r, at: detail?.schedule.schedule_at ?? null, amount: input.amount ?? 0 };
    },
    meta: { inlineError: true },
    onSuccess: (r) => setResult(r),
    onError: (e) => showRustFieldErrors(form, e, t, fieldOptions),
    onSettled: () => invalidate(client, profileId, "money", customer.customer_uid),
  });

  /** Asks Rust first (every problem at once, nothing sent), then confirms a live total. */
  const preview = useMutation({
    mutationFn: (input: ScheduleForm) => call(commands.schedulePreview(input)),
    meta: { inlineError: true },
    onSuccess: (p, input) => {
      if (p.live) setConfirming(p.total);
      else register.mutate(input);
    },
    onError: (e) => showRustFieldErrors(form, e, t, fieldOptions),
  });

  const submit = async (confirmedTotal: number | null = null) => {
    form.clearErrors();
    register.reset();
    const input = toScheduleForm(customer.customer_uid, form.values, await typed.read(), intent, confirmedTotal);
    if (confirmedTotal === null) preview.mutate(input);
    else register.mutate(input);
  };

  const close = () => {
    form.reset();
    setResult(null);
    setIntent(null);
    setOpening((n) => n + 1);
    register.reset();
    preview.reset();
    onClose();
  };

  const failure = formError(form, register.error ?? preview.error, fieldOptions) ?? intentAnswer.error;
  const busy = register.isPending || preview.isPending;

  return (
    <Modal opened={opened} onClose={close} title={t("schedules.form.title")} data-testid="schedule-modal" size="md">
      {result ? (
        <Stack>
          {result.r.status === "done" && (
            <Alert color="green" data-testid="schedule-done">
              {t("schedules.form.done", { when: formatDateTime(result.at, zone, lang), amount: formatKrw(result.amount, lang) })}
            </Alert>
          )}
          {result.r.status === "unknown" && (
            <Alert color="yellow" data-testid="schedule-unknown">
              {t("schedules.form.unknown", { merchant_uid: result.r.merchant_uid })}
            </Alert>
          )}
          {result.r.status === "refused" && (
            <Alert color="red" data-testid="schedule-refused">
              {t("schedules.form.refused")}
            </Alert>
          )}
          <Group justify="flex-end">
            {result.r.status === "unknown" && (
              <Button variant="default" onClick={() => void submit()} loading={busy} data-testid="schedule-again">
                {t("money.charge.checkNow")}
              </Button>
            )}
            <Button onClick={close} data-testid="schedule-close">
              {t("common.close")}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Stack>
            <Text size="sm">
              {customer.customer_name ?? customer.customer_uid} · {customer.card_name ?? ""} {customer.card_number ?? ""}
            </Text>
            <Group grow align="flex-start">
              <TextInput label={t("schedules.form.date")} placeholder={t("schedules.filter.datePlaceholder")} {...form.getInputProps("date")} data-testid="schedule-date" withAsterisk />
              <TextInput label={t("schedules.form.time")} placeholder={t("schedules.form.timePlaceholder")} {...form.getInputProps("time")} data-testid="schedule-time" withAsterisk />
            </Group>
            <Text size="xs" c="dimmed" mt={-8} data-testid="schedule-zone">
              {t("schedules.form.zone", { zone })}
            </Text>
            <Group grow align="flex-start">
              <TextInput label={t("schedules.form.amount")} inputMode="numeric" {...shownAs(form.getInputProps("amount"), typedWon)} data-testid="schedule-amount" withAsterisk />
              <TextInput label={t("schedules.form.taxFree")} inputMode="numeric" {...shownAs(form.getInputProps("tax_free"), typedWon)} data-testid="schedule-tax-free" />
            </Group>
            <TextInput label={t("schedules.form.name")} placeholder={t("schedules.form.namePlaceholder")} {...form.getInputProps("name")} data-testid="schedule-name" withAsterisk />
            {needs?.product_type_required && (
              <ProductTypeSelect
                value={form.values.product_type}
                onChange={(v) => form.setFieldValue("product_type", v)}
                error={form.errors.product_type}
                kept={needs.product_type}
                testId="schedule-product-type"
              />
            )}
            {won !== null && won > 0 && typed.vat !== null && (
              <Text size="xs" c="dimmed" data-testid="schedule-vat">
                {t("schedules.form.vat", { vat: formatKrw(typed.vat, lang) })}
              </Text>
            )}
            {failure !== null && failure !== undefined && <ErrorAlert error={failure} testId="schedule-error" />}
            <Group justify="flex-end">
              <Button type="submit" loading={busy} disabled={intent === null} data-testid="schedule-submit">
                {t("schedules.form.submit", { amount: won ? formatKrw(won, lang) : "" })}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
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
