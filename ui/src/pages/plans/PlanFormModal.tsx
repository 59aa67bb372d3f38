import { ActionIcon, Button, Checkbox, Group, Input, Modal, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AmountsRead, type DunningEnd, type IntervalChoice, type Plan, type PlanEditForm, type PlanForm } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formError, showRustFieldErrors, type FieldOptions } from "../../lib/forms";
import { call } from "../../lib/ipc";
import { shownAs, typedWon } from "../../lib/typed";
import { amountsQuery, keys, planRulesQuery } from "../../lib/queries";

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
  /** Days after a failed period, one field per retry. */
  ladder: (number | string)[];
  dunning_end: DunningEnd;
  first_charge: boolean;
}

/** The most ladder steps any form shows errors for (Rust's limit comes with the rules). */
const LADDER_FIELDS = Array.from({ length: 20 }, (_, i) => `ladder.${i}`);

/** Rust's field names, which are the form's (the start's date and time travel inside `start`; a ladder step is `ladder.<i>`). */
export const PLAN_FIELDS = ["code", "name", "amount", "tax_free", "day", "every", "date", "time", "ladder", ...LADDER_FIELDS] as const;

const CHOICES: IntervalChoice[] = ["monthly", "month_end", "every_days", "every_weeks", "yearly"];
const ENDS: DunningEnd[] = ["keep", "pause", "cancel"];

/** A number field's value as Rust's: blank or not a whole number is sent as 0 (Rust names the field). */
const whole = (v: number | string) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0);

/** The form as Rust's `PlanForm`, its amounts as Rust read them (`read`; what it could not read is sent as 0 or -1 so that Rust names the field). */
export function toPlanForm(v: PlanValues, read: AmountsRead): PlanForm {
  return {
    code: v.code.trim(),
    name: v.name,
    amount: read.amount ?? 0,
    tax_free: read.tax_free ?? -1,
    interval: v.interval,
    day: whole(v.day),
    every: whole(v.every),
    start: { date: v.date.trim(), time: v.time.trim() },
    ladder: v.ladder.map(whole),
    dunning_end: v.dunning_end,
    first_charge: v.first_charge,
  };
}

export function toPlanEditForm(v: PlanValues, read: AmountsRead): PlanEditForm {
  const f = toPlanForm(v, read);
  return { name: f.name, amount: f.amount, tax_free: f.tax_free, ladder: f.ladder, dunning_end: f.dunning_end, first_charge: f.first_charge };
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
      ladder: edit?.form.ladder ?? dunning?.ladder ?? [],
      dunning_end: edit?.form.dunning_end ?? dunning?.end ?? "keep",
      first_charge: edit?.form.first_charge ?? false,
    },
  });
  // The rules may arrive after the form is made: a new plan starts with Rust's default
  // ladder unless the person changed it.
  useEffect(() => {
    if (!edit && dunning && dunning.ladder.length > 0 && form.values.ladder.length === 0 && !form.isDirty("ladder")) {
      form.setFieldValue("ladder", dunning.ladder);
    }
  }, [dunning, edit, form]);
  const stepsMax = rules.data?.ladder_steps_max ?? 9;
  const fieldOptions: FieldOptions = { fields: PLAN_FIELDS, problemText: (code) => t(`customers.fieldErrors.${code}`) };

  const save = useMutation({
    mutationFn: async (v: PlanValues) => {
      const read = await client.fetchQuery(amountsQuery(profileId, v.amount, v.tax_free));
      return call(edit ? commands.updatePlan(edit.code, toPlanEditForm(v, read)) : commands.createPlan(toPlanForm(v, read)));
    },
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
            <TextInput label={t("plans.form.amount")} inputMode="numeric" {...shownAs(form.getInputProps("amount"), typedWon)} data-testid="plan-amount" />
            <TextInput label={t("plans.form.taxFree")} inputMode="numeric" {...shownAs(form.getInputProps("tax_free"), typedWon)} data-testid="plan-tax-free" />
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
          <Input.Wrapper label={t("plans.form.ladder")} description={t("plans.form.ladderHint", { max: rules.data?.ladder_days_max ?? 60, steps: stepsMax })} error={form.errors.ladder} data-testid="plan-ladder">
            <Group gap="xs" mt={4} wrap="wrap">
              {form.values.ladder.map((_, i) => (
                <Group key={i} gap={2} wrap="nowrap" align="flex-start">
                  <NumberInput
                    w={92}
                    aria-label={t("plans.form.ladderStep", { n: i + 1 })}
                    allowDecimal={false}
                    min={1}
                    {...form.getInputProps(`ladder.${i}`)}
                    data-testid={`plan-ladder-${i}`}
                  />
                  <ActionIcon variant="subtle" color="gray" mt={6} aria-label={t("plans.form.ladderRemove", { n: i + 1 })} onClick={() => form.removeListItem("ladder", i)} data-testid={`plan-ladder-remove-${i}`}>
                    <IconX size={14} />
                  </ActionIcon>
                </Group>
              ))}
              {form.values.ladder.length < stepsMax && (
                <Button
                  variant="light"
                  size="xs"
                  mt={4}
                  leftSection={<IconPlus size={14} />}
                  onClick={() => {
                    const last = form.values.ladder.at(-1);
                    form.insertListItem("ladder", typeof last === "number" ? last + 2 : 1);
                  }}
                  data-testid="plan-ladder-add"
                >
                  {t("plans.form.ladderAdd")}
                </Button>
              )}
            </Group>
          </Input.Wrapper>
          <Select
            label={t("plans.form.dunningEnd")}
            data={ENDS.map((e) => ({ value: e, label: t(`plans.form.end.${e}`) }))}
            allowDeselect={false}
            {...form.getInputProps("dunning_end")}
            data-testid="plan-dunning-end"
          />
          <Checkbox label={t("plans.form.firstCharge")} description={t("plans.form.firstChargeHint")} {...form.getInputProps("first_charge", { type: "checkbox" })} data-testid="plan-first-charge" />
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
