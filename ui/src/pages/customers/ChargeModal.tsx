import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ChargeNowInput, type ChargeResult, type Customer, type ProductType } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { ProductTypeSelect } from "../../components/ProductTypeSelect";
import { formError, showRustFieldErrors } from "../../lib/forms";
import { formatKrw } from "../../lib/format";
import { call, errorCode } from "../../lib/ipc";
import { useTypedAmounts } from "../../lib/amounts";
import { chargeNeedsQuery, invalidate, moneyRulesQuery, orderIntentQuery } from "../../lib/queries";
import { shownAs, typedWon } from "../../lib/typed";

interface ChargeValues {
  amount: string;
  name: string;
  tax_free: string;
  card_quota: string;
  /** None: the kind kept with the key (KSNET). */
  product_type: ProductType | null;
}

const EMPTY: ChargeValues = { amount: "", name: "", tax_free: "", card_quota: "0", product_type: null };

/**
 * "Charge now": amount, order name, tax-free part, instalments; on live, a confirmation.
 * The charge is one intent with one order id for life, fixed by Rust when the form opens:
 * pressing again after a lost answer, a decline or an error retries that same order, so
 * it can never become a second charge. Only "charge once more" starts a new intent.
 * The form checks only that the name is there; Rust reads the typed amounts (what it
 * cannot read as whole won is marked on the field) and owns every rule (tax-free part,
 * instalment minimum), its refusal shown on the field.
 */
export function ChargeModal({ customer, opened, onClose }: { customer: Customer; opened: boolean; onClose: (charged: boolean) => void }) {
  const { t } = useTranslation();
  const { status, lang, profileId } = useApp();
  const client = useQueryClient();
  const form = useForm<ChargeValues>({
    initialValues: EMPTY,
    validate: {
      name: (v) => (v.trim() === "" ? t("money.charge.errName") : null),
    },
  });
  const fieldText = { amount: t("money.charge.errAmount"), name: t("money.charge.errName"), tax_free: t("money.charge.errTaxFree"), card_quota: t("money.charge.errQuota") };
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<ChargeResult | null>(null);
  // Each opening of the form is one intent; its order id is Rust's first answer, kept for
  // the intent's life (a later answer to the same question never replaces it).
  const [opening, setOpening] = useState(0);
  const intentAnswer = useQuery({ ...orderIntentQuery(profileId, opening), enabled: opened });
  const [intent, setIntent] = useState<string | null>(null);
  if (opened && intent === null && intentAnswer.data !== undefined) setIntent(intentAnswer.data);

  const values = form.values;
  const typed = useTypedAmounts(profileId, values.amount, values.tax_free, opened);
  const won = typed.won;
  // The VAT note and the instalment hint come from Rust: the same rounding and limit the
  // charge itself is checked against.
  const rules = useQuery({ ...moneyRulesQuery(profileId), enabled: opened });
  const needs = useQuery({ ...chargeNeedsQuery(profileId, customer.customer_uid), enabled: opened }).data;
  const months = Number(values.card_quota);
  const live = status.active_profile.mode === "live";

  const charge = useMutation({
    mutationFn: (input: ChargeNowInput) => call(commands.chargeNow(input)),
    meta: { inlineError: true },
    onMutate: () => check.reset(),
    onSuccess: (r) => setResult(r),
    onError: (e) => showRustFieldErrors(form, e, t, { fieldText }),
    // Paid, declined or still checking: the customer's payments and the journal changed.
    onSettled: () => invalidate(client, profileId, "money", customer.customer_uid),
  });

  const send = async (confirmedTotal: number | null, order: string | null = intent) => {
    if (order === null) return;
    const read = await typed.read();
    if (read.amount === null) return;
    const free = read.tax_free;
    charge.mutate({
      customer_uid: customer.customer_uid,
      amount: read.amount,
      name: values.name.trim(),
      tax_free: free && free > 0 ? free : null,
      card_quota: months > 0 ? months : null,
      merchant_uid: order,
      confirmed_total: confirmedTotal,
      product_type: values.product_type,
    });
  };

  const submit = async (order: string | null = intent) => {
    const checked = form.validate();
    const read = await typed.read();
    const unread = { ...(read.amount === null ? { amount: fieldText.amount } : {}), ...(read.tax_free === null ? { tax_free: fieldText.tax_free } : {}) };
    if (Object.keys(unread).length > 0) form.setErrors({ ...checked.errors, ...unread });
    if (checked.hasErrors || Object.keys(unread).length > 0) return;
    if (live) setConfirming(true);
    else void send(null, order);
  };

  /** "Check now": look the open request up at i'mport, then ask again for the same order. */
  const check = useMutation({
    mutationFn: () => call(commands.reconcileNow()),
    meta: { inlineError: true },
    onSuccess: () => void send(null),
  });

  /** A new intent (after being told the same charge was paid already): a new order id. */
  const onceMore = useMutation({
    mutationFn: () => call(commands.newOrderId()),
    meta: { inlineError: true },
    onSuccess: (order) => {
      setIntent(order);
      setResult(null);
      void submit(order);
    },
  });

  const close = () => {
    const charged = result?.status === "paid";
    form.reset();
    setResult(null);
    setIntent(null);
    setOpening((n) => n + 1);
    charge.reset();
    check.reset();
    onceMore.reset();
    onClose(charged);
  };

  const busy = charge.isPending || check.isPending || onceMore.isPending;
  const failure = check.error ?? onceMore.error ?? formError(form, charge.error, { fieldText }) ?? intentAnswer.error;
  const code = failure ? errorCode(failure) : null;
  const failureAlert = failure && (
    <ErrorAlert error={failure} testId="charge-error">
      <Group gap="xs">
        {code === "charge_unresolved" && (
          <Button size="xs" variant="default" onClick={() => check.mutate()} loading={busy} data-testid="charge-check-now">
            {t("money.charge.checkNow")}
          </Button>
        )}
        {(code === "recent_same_charge" || code === "earlier_charge_paid") && (
          <Button size="xs" variant="default" onClick={() => onceMore.mutate()} loading={busy} data-testid="charge-once-more">
            {t("money.charge.onceMore")}
          </Button>
        )}
      </Group>
    </ErrorAlert>
  );

  return (
    <Modal opened={opened} onClose={close} title={t("money.charge.title")} data-testid="charge-modal">
      {result ? (
        <Stack>
          {result.status === "paid" && (
            <Alert color="green" title={t("money.charge.paidTitle")} data-testid="charge-paid">
              {t("money.charge.paidBody", { amount: formatKrw(result.amount, lang), imp_uid: result.imp_uid ?? "" })}
              {result.replayed && <Text size="sm">{t("money.charge.replayed")}</Text>}
            </Alert>
          )}
          {result.status === "declined" && (
            <Alert color="red" title={t("money.charge.declinedTitle")} data-testid="charge-declined">
              {result.fail_reason}
            </Alert>
          )}
          {result.status === "unknown" && (
            <Alert color="yellow" title={t("money.charge.unknownTitle")} data-testid="charge-unknown">
              {t("money.charge.unknownBody", { merchant_uid: result.merchant_uid })}
            </Alert>
          )}
          {result.status === "conflict" && (
            <Alert color="orange" title={t("money.charge.conflictTitle")} data-testid="charge-conflict">
              {t("money.charge.conflictBody", { merchant_uid: result.merchant_uid })}
            </Alert>
          )}
          {failureAlert}
          <Group justify="flex-end">
            {result.status === "declined" && (
              <Button variant="default" onClick={() => void submit(result.merchant_uid)} loading={busy} data-testid="charge-retry">
                {t("money.charge.retry")}
              </Button>
            )}
            {result.status === "unknown" && (
              <Button variant="default" onClick={() => check.mutate()} loading={busy} data-testid="charge-check-now">
                {t("money.charge.checkNow")}
              </Button>
            )}
            <Button onClick={close}>{t("money.charge.close")}</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <Text size="sm">
            {customer.customer_name ?? customer.customer_uid} · {customer.card_name ?? ""} {customer.card_number ?? ""}
          </Text>
          <TextInput label={t("money.charge.amount")} inputMode="numeric" {...shownAs(form.getInputProps("amount"), typedWon)} data-testid="charge-amount" withAsterisk />
          <TextInput label={t("money.charge.name")} placeholder={t("money.charge.namePlaceholder")} maxLength={40} {...form.getInputProps("name")} data-testid="charge-name" withAsterisk />
          <Group grow align="flex-start">
            <TextInput label={t("money.charge.taxFree")} inputMode="numeric" {...shownAs(form.getInputProps("tax_free"), typedWon)} data-testid="charge-tax-free" />
            <Select
              label={t("money.charge.quota")}
              description={rules.data ? t("money.charge.quotaHelp", { min: formatKrw(rules.data.installment_min_amount, lang) }) : undefined}
              allowDeselect={false}
              {...form.getInputProps("card_quota")}
              data-testid="charge-quota"
              data={[{ value: "0", label: t("money.charge.lumpSum") }, ...[2, 3, 4, 5, 6, 10, 12].map((m) => ({ value: String(m), label: t("money.charge.months", { count: m }) }))]}
            />
          </Group>
          {needs?.product_type_required && (
            <ProductTypeSelect
              value={values.product_type}
              onChange={(v) => form.setFieldValue("product_type", v)}
              error={form.errors.product_type}
              kept={needs.product_type}
              testId="charge-product-type"
            />
          )}
          {won !== null && won > 0 && typed.vat !== null && (
            <Text size="xs" c="dimmed" data-testid="charge-vat">
              {t("money.charge.vatNote", { vat: formatKrw(typed.vat, lang) })}
            </Text>
          )}
          {failureAlert}
          <Group justify="flex-end">
            <Button onClick={() => void submit()} loading={busy} disabled={intent === null} data-testid="charge-submit">
              {t("money.charge.submit", { amount: won ? formatKrw(won, lang) : "" })}
            </Button>
          </Group>
        </Stack>
      )}
      <LiveConfirm
        opened={confirming}
        lines={[{ customer: customer.customer_name ?? customer.customer_uid, amount: won ?? 0 }]}
        onCancel={() => setConfirming(false)}
        onConfirm={(total) => {
          setConfirming(false);
          void send(total);
        }}
      />
    </Modal>
  );
}
