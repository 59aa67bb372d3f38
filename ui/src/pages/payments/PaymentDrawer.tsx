import { Alert, Button, Drawer, Group, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
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
import { parseWon } from "../../lib/money";
import { invalidate, paymentQuery } from "../../lib/queries";

interface RefundValues {
  mode: "full" | "partial";
  amount: string;
  reason: string;
}

/**
 * One payment: its facts, its cancel history, and a refund (full or partial). The form
 * checks that a partial amount is whole won and a reason is there; whether the balance
 * allows it is Rust's to say (it asks i'mport for the balance first).
 */
export function PaymentDrawer({ impUid, onClose }: { impUid: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { settings, lang, status, profileId } = useApp();
  const client = useQueryClient();
  const detailAnswer = useQuery({ ...paymentQuery(profileId, impUid ?? ""), enabled: impUid !== null });
  const detail = detailAnswer.data;
  const form = useForm<RefundValues>({
    initialValues: { mode: "full", amount: "", reason: "" },
    validate: {
      amount: (v, values) => (values.mode === "partial" && (parseWon(v) ?? 0) < 1 ? t("money.refund.errAmount") : null),
      reason: (v) => (v.trim() === "" ? t("money.refund.errReason") : null),
    },
  });
  const fieldText = { amount: t("money.refund.errAmount"), reason: t("money.refund.errReason") };
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RefundResult | null>(null);

  const refund = useMutation({
    mutationFn: (input: RefundInput) => call(commands.refundPayment(input)),
    meta: { inlineError: true },
    onSuccess: async (r) => {
      // The refreshed payment and the result appear together, so the drawer never shows
      // the outcome beside the balance from before the refund.
      await invalidate(client, profileId, "money", detail?.payment.customer_uid ?? undefined);
      setResult(r);
      // A finished refund clears the form: the same click must not send a second one.
      form.reset();
    },
    onError: (e) => showRustFieldErrors(form, e, t, { fieldText }),
  });

  const close = () => {
    setResult(null);
    form.reset();
    refund.reset();
    onClose();
  };

  const when = (s: number | null | undefined) => formatDateTime(s, settings.time_zone, lang);
  const p = detail?.payment;
  const values = form.values;
  const remaining = p ? p.amount - p.cancel_amount : 0;
  const refundAmount = values.mode === "full" ? remaining : parseWon(values.amount);
  const canRefund = p && p.status === "paid" && remaining > 0 && !status.active_profile.read_only;
  const refundError = formError(form, refund.error, { fieldText });

  const send = (confirmed: number | null) => {
    if (!p) return;
    refund.mutate({ imp_uid: p.imp_uid, amount: values.mode === "full" ? null : refundAmount, tax_free: null, reason: values.reason.trim(), confirmed_total: confirmed });
  };

  const submit = () => {
    if (form.validate().hasErrors) return;
    if (status.active_profile.mode === "live") setConfirming(true);
    else send(null);
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
          </Group>
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
            </Alert>
          )}

          {canRefund && (
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
              {values.mode === "partial" && <TextInput label={t("money.refund.amount")} inputMode="numeric" {...form.getInputProps("amount")} data-testid="refund-amount" />}
              <Textarea label={t("money.refund.reason")} {...form.getInputProps("reason")} data-testid="refund-reason" withAsterisk />
              {refundError !== null && <ErrorAlert error={refundError} testId="refund-error" />}
              <Group justify="flex-end">
                <Button color="orange" loading={refund.isPending} onClick={submit} data-testid="refund-submit">
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
          send(total);
        }}
      />
    </Drawer>
  );
}
