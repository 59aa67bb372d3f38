import { Alert, Button, Drawer, Group, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDebouncedValue } from "@mantine/hooks";
import { IconExternalLink } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type RefundInput, type RefundResult } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { formError, showRustFieldErrors } from "../../lib/forms";
import { formatDateTime, formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { useTypedAmounts } from "../../lib/amounts";
import { invalidate, paymentQuery, refundSplitQuery } from "../../lib/queries";
import { RetryPanel } from "./RetryPanel";
import { shownAs, typedWon } from "../../lib/typed";

interface RefundValues {
  mode: "full" | "partial";
  amount: string;
  /** The tax-free part of a partial refund, once the person edits it (else Rust's share). */
  tax_free: string;
  reason: string;
}

const EMPTY: RefundValues = { mode: "full", amount: "", tax_free: "", reason: "" };
/** After a refund: nothing armed, a partial amount to type. */
const AFTER: RefundValues = { ...EMPTY, mode: "partial" };

/**
 * One payment: its facts, its cancel history, and a refund (full or partial). The form
 * checks that a partial amount is whole won and a reason is there; whether the balance
 * allows it is Rust's to say (it asks i'mport for the balance first).
 */
export function PaymentDrawer({ impUid, onClose }: { impUid: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { zone, lang, status, profileId } = useApp();
  const client = useQueryClient();
  const detailAnswer = useQuery({ ...paymentQuery(profileId, impUid ?? ""), enabled: impUid !== null });
  const detail = detailAnswer.data;
  const form = useForm<RefundValues>({
    initialValues: EMPTY,
    validate: {
      reason: (v) => (v.trim() === "" ? t("money.refund.errReason") : null),
    },
  });
  const fieldText = { amount: t("money.refund.errAmount"), reason: t("money.refund.errReason") };
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RefundResult | null>(null);
  // After a refund the form stays closed until the person asks for another: the same
  // click must never send a second refund, least of all a full one.
  const [formOpen, setFormOpen] = useState(true);
  const [taxFreeEdited, setTaxFreeEdited] = useState(false);
  const [receiptError, setReceiptError] = useState<unknown>(null);

  const refund = useMutation({
    mutationFn: (input: RefundInput) => call(commands.refundPayment(input)),
    meta: { inlineError: true },
    onSuccess: async (r) => {
      // The refreshed payment and the result appear together, so the drawer never shows
      // the outcome beside the balance from before the refund.
      await invalidate(client, profileId, "money", detail?.payment.customer_uid ?? undefined);
      setResult(r);
      form.setValues(AFTER);
      form.resetDirty(AFTER);
      setTaxFreeEdited(false);
      setFormOpen(false);
    },
    onError: (e) => showRustFieldErrors(form, e, t, { fieldText }),
  });

  const close = () => {
    setResult(null);
    setFormOpen(true);
    setTaxFreeEdited(false);
    setReceiptError(null);
    form.reset();
    refund.reset();
    onClose();
  };

  const when = (s: number | null | undefined) => formatDateTime(s, zone, lang);
  const p = detail?.payment;
  const values = form.values;
  const remaining = p ? p.amount - p.cancel_amount : 0;
  const typed = useTypedAmounts(profileId, values.amount, values.tax_free, impUid !== null);
  const refundAmount = values.mode === "full" ? remaining : typed.won;
  const canRefund = p && p.status === "paid" && remaining > 0 && !status.active_profile.read_only;
  // What i'mport says is left, and the tax-free part this amount may carry (Rust's bounds).
  const [askedAmount] = useDebouncedValue(values.mode === "full" ? null : refundAmount, 300);
  const splitAnswer = useQuery({
    ...refundSplitQuery(profileId, impUid ?? "", askedAmount !== null && askedAmount > 0 && askedAmount <= remaining ? askedAmount : null),
    enabled: Boolean(canRefund) && formOpen && impUid !== null,
  });
  const split = splitAnswer.data;
  const hasTaxFree = (split?.tax_free_balance ?? 0) > 0;
  const splitFits = split !== undefined && split.amount === refundAmount;
  const taxFreeShown = taxFreeEdited ? values.tax_free : splitFits ? String(split.tax_free_suggested) : "";
  const refundError = formError(form, refund.error, { fieldText });

  const send = async (confirmed: number | null) => {
    if (!p) return;
    const read = await typed.read();
    // A full refund takes what is left of the tax-free too; a partial one sends the part
    // shown (Rust checks it against the balance, and takes its share when none is sent).
    const typedFree = values.tax_free.trim() === "" ? null : read.tax_free;
    const taxFree = values.mode === "full" || !hasTaxFree ? null : taxFreeEdited ? typedFree : splitFits ? split.tax_free_suggested : null;
    refund.mutate({ imp_uid: p.imp_uid, amount: values.mode === "full" ? null : read.amount, tax_free: taxFree, reason: values.reason.trim(), confirmed_total: confirmed });
  };

  const submit = async () => {
    const checked = form.validate();
    // A partial amount and an edited tax-free part must be whole won as Rust reads them.
    const read = await typed.read();
    const partial = values.mode === "partial";
    const unread = {
      ...(partial && (read.amount ?? 0) < 1 ? { amount: fieldText.amount } : {}),
      ...(partial && taxFreeEdited && hasTaxFree && read.tax_free === null ? { tax_free: t("money.charge.errTaxFree") } : {}),
    };
    if (Object.keys(unread).length > 0) form.setErrors({ ...checked.errors, ...unread });
    if (checked.hasErrors || Object.keys(unread).length > 0) return;
    if (status.active_profile.mode === "live") setConfirming(true);
    else void send(null);
  };

  return (
    <Drawer opened={impUid !== null} onClose={close} position="right" size="lg" title={t("money.payments.detail")} data-testid="payment-drawer">
      {detailAnswer.error && (
        <Stack mb="sm">
          <ErrorAlert error={detailAnswer.error} onRetry={() => void detailAnswer.refetch()} retrying={detailAnswer.isFetching} testId="payment-error" />
        </Stack>
      )}
      {p && detail && (
        <Stack>
          <Group>
            <Title order={3}>{p.currency === "KRW" ? formatKrw(p.amount, lang) : `${p.amount_text} ${p.currency}`}</Title>
            <PaymentStatusBadge status={p.status} size="md" testId="payment-status" />
            {detail.receipt_url && (
              <Button size="xs" variant="subtle" ml="auto" leftSection={<IconExternalLink size={14} />} onClick={() => void call(commands.openExternal(detail.receipt_url ?? "")).catch((e: unknown) => setReceiptError(e))} data-testid="open-receipt">
                {t("money.payments.receipt")}
              </Button>
            )}
          </Group>
          {receiptError !== null && <ErrorAlert error={receiptError} testId="receipt-error" />}
          <Table withRowBorders={false} verticalSpacing={3}>
            <Table.Tbody>
              {[
                ["imp_uid", p.imp_uid],
                ["merchant_uid", p.merchant_uid],
                ["customer_uid", p.customer_uid ?? "—"],
                [t("money.payments.col.name"), p.name ?? "—"],
                [t("money.payments.col.buyer"), p.buyer_name ?? "—"],
                [t("money.payments.col.pg"), p.pg_provider ?? "—"],
                [t("money.payments.col.apply"), p.apply_num ?? "—"],
                [t("customers.detail.cardNumber"), [p.card_name, p.card_number].filter(Boolean).join(" ") || "—"],
                [t("money.payments.time.paid"), when(p.paid_at)],
                [t("money.payments.time.failed"), when(p.failed_at)],
                [t("money.payments.time.cancelled"), when(p.cancelled_at)],
                [t("money.payments.col.cancelled"), formatKrw(p.cancel_amount, lang)],
                [t("money.refund.remaining"), formatKrw(remaining, lang)],
              ].map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Td w={140} c="dimmed">
                    {k}
                  </Table.Td>
                  <Table.Td style={{ wordBreak: "break-all" }}>{v}</Table.Td>
                </Table.Tr>
              ))}
              {p.fail_reason && (
                <Table.Tr>
                  <Table.Td c="dimmed">{t("customers.detail.paymentCols.reason")}</Table.Td>
                  <Table.Td c="red">{p.fail_reason}</Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>

          <Title order={5}>{t("money.payments.cancelHistory")}</Title>
          {detail.cancel_history.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t("money.payments.noCancels")}
            </Text>
          ) : (
            <Table striped data-testid="cancel-history">
              <Table.Tbody>
                {detail.cancel_history.map((c, i) => (
                  <Table.Tr key={c.cancellation_id ?? i}>
                    <Table.Td>{when(c.cancelled_at)}</Table.Td>
                    <Table.Td>{formatKrw(c.amount, lang)}</Table.Td>
                    <Table.Td>{c.reason ?? ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}

          {result && (
            <Alert color={result.status === "refunded" ? "green" : "yellow"} title={result.status === "refunded" ? t("money.refund.doneTitle") : t("money.refund.unknownTitle")} data-testid="refund-result">
              {result.status === "refunded"
                ? t("money.refund.doneBody", { amount: formatKrw(result.amount, lang), remaining: formatKrw(result.remaining ?? 0, lang) })
                : t("money.refund.unknownBody")}
              {result.status === "refunded" && result.tax_free !== null && result.tax_free > 0 && (
                <Text size="sm" mt={4} data-testid="refund-result-tax-free">
                  {t("money.refund.doneTaxFree", { amount: formatKrw(result.tax_free, lang) })}
                </Text>
              )}
              {canRefund && !formOpen && (
                <Group justify="flex-end" mt="xs">
                  <Button size="xs" variant="default" onClick={() => setFormOpen(true)} data-testid="refund-again">
                    {t("money.refund.again")}
                  </Button>
                </Group>
              )}
            </Alert>
          )}

          {p.status === "failed" && p.customer_uid && !status.active_profile.read_only && <RetryPanel payment={p} />}

          {canRefund && formOpen && (
            <Stack gap="xs" p="sm" style={{ border: "1px solid var(--mantine-color-gray-3)", borderRadius: 8 }} data-testid="refund-form">
              <Group justify="space-between">
                <Title order={5}>{t("money.refund.title")}</Title>
                <Text size="sm" c="dimmed">
                  {t("money.refund.refundable", { amount: formatKrw(remaining, lang) })}
                </Text>
              </Group>
              <SegmentedControl
                {...form.getInputProps("mode")}
                data={[
                  { value: "full", label: t("money.refund.full") },
                  { value: "partial", label: t("money.refund.partial") },
                ]}
              />
              {values.mode === "partial" && <TextInput label={t("money.refund.amount")} inputMode="numeric" {...shownAs(form.getInputProps("amount"), typedWon)} data-testid="refund-amount" />}
              {values.mode === "partial" && hasTaxFree && split && (
                <TextInput
                  label={t("money.refund.taxFree")}
                  description={
                    splitFits
                      ? t("money.refund.taxFreeHint", { balance: formatKrw(split.tax_free_balance, lang), min: formatKrw(split.tax_free_min, lang), max: formatKrw(split.tax_free_max, lang) })
                      : t("money.refund.taxFreeBalance", { balance: formatKrw(split.tax_free_balance, lang) })
                  }
                  inputMode="numeric"
                  value={taxFreeShown}
                  error={form.errors.tax_free}
                  onChange={(e) => {
                    setTaxFreeEdited(true);
                    form.setFieldValue("tax_free", e.currentTarget.value);
                  }}
                  data-testid="refund-tax-free"
                />
              )}
              <Textarea label={t("money.refund.reason")} {...form.getInputProps("reason")} data-testid="refund-reason" withAsterisk />
              {refundError !== null && <ErrorAlert error={refundError} testId="refund-error" />}
              <Group justify="flex-end">
                <Button color="orange" loading={refund.isPending} disabled={!refundAmount || refundAmount < 1} onClick={submit} data-testid="refund-submit">
                  {t("money.refund.submit", { amount: refundAmount ? formatKrw(refundAmount, lang) : "" })}
                </Button>
              </Group>
            </Stack>
          )}
        </Stack>
      )}
      <LiveConfirm
        opened={confirming}
        refund
        lines={[{ customer: p?.buyer_name ?? p?.customer_uid ?? "", amount: refundAmount ?? 0 }]}
        onCancel={() => setConfirming(false)}
        onConfirm={(total) => {
          setConfirming(false);
          void send(total);
        }}
      />
    </Drawer>
  );
}
