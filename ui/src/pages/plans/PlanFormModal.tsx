import { Button, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type IntervalChoice, type Plan, type PlanEditForm, type PlanForm } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { call } from "../../lib/ipc";
import { parseWon } from "../../lib/money";
import { keys, planRulesQuery } from "../../lib/queries";

export interface PlanValues {
  code: string;
  name: string;
  amount: string;
  tax_free: string;
  interval: IntervalChoice;
  day: number | string;
  every: number | string;
  date: string;
  time: string;
  retry_after_days: number | string;
  max_retries: number | string;
}

/** Rust's field names, which are the form's (the start's date and time travel inside `start`). */
export const PLAN_FIELDS = ["code", "name", "amount", "tax_free", "day", "every", "date", "time", "retry_after_days", "max_retries"] as const;

const CHOICES: IntervalChoice[] = ["monthly", "month_end", "every_days", "every_weeks"];

/** A number field's value as Rust's: blank or not a whole number is sent as 0 (Rust names the field). */
const whole = (v: number | string) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0);

export function toPlanForm(v: PlanValues): PlanForm {
  return {
    code: v.code.trim(),
    name: v.name,
    amount: parseWon(v.amount) ?? 0,
    tax_free: v.tax_free.trim() === "" ? 0 : (parseWon(v.tax_free) ?? -1),
    interval: v.interval,
    day: whole(v.day),
    every: whole(v.every),
    start: { date: v.date.trim(), time: v.time.trim() },
    retry_after_days: whole(v.retry_after_days),
    max_retries: whole(v.max_retries),
  };
}

export function toPlanEditForm(v: PlanValues): PlanEditForm {
  const f = toPlanForm(v);
  return { name: f.name, amount: f.amount, tax_free: f.tax_free, retry_after_days: f.retry_after_days, max_retries: f.max_retries };
}

/**
 * A plan's form: new (every field) or an edit of an existing plan (name, amount, tax-free
 * part and retries; the code, interval and start make its order ids). Every rule is
 * Rust's: on submit its problems land on the fields they name, all at once, and nothing
 * is written.
 */
export function PlanFormModal({ opened, onClose, edit, onSaved }: { opened: boolean; onClose: () => void; edit?: { code: string; form: PlanEditForm }; onSaved?: (plan: Plan) => void }) {
  const { t } = useTranslation();
  const { zone, profileId } = useApp();
  const client = useQueryClient();
  const rules = useQuery(planRulesQuery(profileId));
  const dunning = rules.data?.default_dunning;
  const form = useForm<PlanValues>({
    initialValues: {
      code: "",
      name: edit?.form.name ?? "",
      amount: edit ? String(edit.form.amount ?? "") : "",
      tax_free: edit && edit.form.tax_free ? String(edit.form.tax_free) : "",
      interval: "monthly",
      day: 1,
      every: 7,
      date: "",
      time: "10:00",
      retry_after_days: edit?.form.retry_after_days ?? dunning?.retry_after_days ?? 3,
      max_retries: edit?.form.max_retries ?? dunning?.max_retries ?? 2,
    },
  });
  const fieldOptions: FieldOptions = { fields: PLAN_FIELDS, problemText: (code) => t(`customers.fieldErrors.${code}`) };

  const save = useMutation({
    mutationFn: (v: PlanValues) => call(edit ? commands.updatePlan(edit.code, toPlanEditForm(v)) : commands.createPlan(toPlanForm(v))),
    meta: { inlineError: true },
    onSuccess: (plan) => {
      void client.invalidateQueries({ queryKey: keys.plans(profileId) });
      onSaved?.(plan);
      close();
    },
    onError: (e) => showRustFieldErrors(form, e, t, fieldOptions),
  });

  const close = () => {
    form.reset();
    save.reset();
    onClose();
  };

  const interval = form.values.interval;
  const failure = formError(form, save.error, fieldOptions);

  return (
    <Modal opened={opened} onClose={close} title={edit ? t("plans.form.titleEdit") : t("plans.form.titleNew")} size="lg" data-testid="plan-modal">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          form.clearErrors();
          save.mutate(form.values);
        }}
      >
        <Stack gap="sm">
          {edit ? (
            <Text size="sm" c="dimmed">
              {t("plans.form.editNote")}
            </Text>
          ) : (
            <TextInput label={t("plans.form.code")} description={t("plans.form.codeHint", { max: rules.data?.code_max_chars ?? 10 })} {...form.getInputProps("code")} data-testid="plan-code" />
          )}
          <TextInput label={t("plans.form.name")} {...form.getInputProps("name")} data-testid="plan-name" />
          <SimpleGrid cols={2}>
            <TextInput label={t("plans.form.amount")} inputMode="numeric" {...form.getInputProps("amount")} data-testid="plan-amount" />
            <TextInput label={t("plans.form.taxFree")} inputMode="numeric" {...form.getInputProps("tax_free")} data-testid="plan-tax-free" />
          </SimpleGrid>
          {!edit && (
            <>
              <SimpleGrid cols={2}>
                <Select
                  label={t("plans.form.interval")}
                  data={CHOICES.map((c) => ({ value: c, label: t(`plans.form.choice.${c}`) }))}
                  allowDeselect={false}
                  {...form.getInputProps("interval")}
                  data-testid="plan-interval"
                />
                {interval === "monthly" && <NumberInput label={t("plans.form.day", { max: rules.data?.month_day_max ?? 28 })} allowDecimal={false} {...form.getInputProps("day")} data-testid="plan-day" />}
                {interval === "every_days" && <NumberInput label={t("plans.form.everyDays", { max: rules.data?.every_days_max ?? 365 })} allowDecimal={false} {...form.getInputProps("every")} data-testid="plan-every" />}
                {interval === "every_weeks" && <NumberInput label={t("plans.form.everyWeeks", { max: rules.data?.every_weeks_max ?? 52 })} allowDecimal={false} {...form.getInputProps("every")} data-testid="plan-every" />}
              </SimpleGrid>
              <SimpleGrid cols={2}>
                <TextInput label={t("plans.form.startDate")} placeholder="YYYY-MM-DD" description={t("plans.form.startHint", { zone })} {...form.getInputProps("date")} data-testid="plan-date" />
                <TextInput label={t("plans.form.startTime")} placeholder="HH:MM" {...form.getInputProps("time")} data-testid="plan-time" />
              </SimpleGrid>
            </>
          )}
          <SimpleGrid cols={2}>
            <NumberInput label={t("plans.form.retryAfterDays")} allowDecimal={false} {...form.getInputProps("retry_after_days")} data-testid="plan-retry-days" />
            <NumberInput label={t("plans.form.maxRetries")} description={t("plans.form.dunningHint")} allowDecimal={false} {...form.getInputProps("max_retries")} data-testid="plan-max-retries" />
          </SimpleGrid>
          {failure !== null && <ErrorAlert error={failure} testId="plan-error" />}
          {rules.error && <ErrorAlert error={rules.error} testId="plan-rules-error" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t("common.close")}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="plan-submit">
              {edit ? t("plans.form.save") : t("plans.form.create")}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
