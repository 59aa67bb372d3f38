import { Alert, Button, Drawer, Group, SegmentedControl, Stack, Table, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type PaymentDetail, type RefundResult } from "../../bindings";
import { useApp } from "../../AppContext";
import { LiveConfirm } from "../../components/LiveConfirm";
import { PaymentStatusBadge } from "../../layout/PaymentStatusBadge";
import { errorText } from "../../lib/errors";
import { formatDateTime, formatKrw } from "../../lib/format";
import { parseWon } from "../../lib/money";

/** One payment: its facts, its cancel history, and a refund (full or partial). */
export function PaymentDrawer({ impUid, onClose, onChanged }: { impUid: string | null; onClose: () => void; onChanged: () => void }) {
  const { t } = useTranslation();
  const { settings, lang, status } = useApp();
  const [detail, setDetail] = useState<PaymentDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<"full" | "partial">("full");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RefundResult | null>(null);

  useEffect(() => {
    if (!impUid) return;
    let live = true;
    commands
      .paymentDetail(impUid)
      .then((d) => live && setDetail(d))
      .catch((e: unknown) => live && setError(errorText(t, e)));
    return () => {
      live = false;
    };
  }, [impUid, t]);

  const close = () => {
    setDetail(null);
    setError(null);
    setResult(null);
    setAmount("");
    setReason("");
    setShown(false);
    setMode("full");
    onClose();
  };

  const when = (s: number | null | undefined) => formatDateTime(s, settings.time_zone, lang);
  const p = detail?.payment;
  const remaining = p ? p.amount - p.cancel_amount : 0;
  const refundAmount = mode === "full" ? remaining : parseWon(amount);
  const amountError = refundAmount === null || refundAmount < 1 || refundAmount > remaining ? t("money.refund.errAmount") : null;
  const reasonError = reason.trim() === "" ? t("money.refund.errReason") : null;
  const canRefund = p && p.status === "paid" && remaining > 0 && !status.active_profile.read_only;

  const send = async (confirmed: number | null) => {
    if (!p || refundAmount === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await commands.refundPayment({
        imp_uid: p.imp_uid,
        amount: mode === "full" ? null : refundAmount,
        tax_free: null,
        reason: reason.trim(),
        confirmed_total: confirmed,
      });
      // The refreshed payment and the result appear together, so the drawer never shows
      // the outcome beside the balance from before the refund.
      const refreshed = await commands.paymentDetail(p.imp_uid).catch(() => null);
      setResult(r);
      // A finished refund clears the form: the same click must not send a second one.
      setAmount("");
      setReason("");
      setShown(false);
      setMode("full");
      if (refreshed) setDetail(refreshed);
      onChanged();
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  const submit = () => {
    setShown(true);
    if (amountError || reasonError) return;
    if (status.active_profile.mode === "live") setConfirming(true);
    else void send(null);
  };

  return (
    <Drawer opened={impUid !== null} onClose={close} position="right" size="lg" title={t("money.payments.detail")} data-testid="payment-drawer">
      {error && <Alert color="red" mb="sm">{error}</Alert>}
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
                value={mode}
                onChange={(v) => setMode(v as "full" | "partial")}
                data={[
                  { value: "full", label: t("money.refund.full") },
                  { value: "partial", label: t("money.refund.partial") },
                ]}
              />
              {mode === "partial" && (
                <TextInput label={t("money.refund.amount")} inputMode="numeric" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={shown && amountError} data-testid="refund-amount" />
              )}
              <Textarea label={t("money.refund.reason")} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={shown && reasonError} data-testid="refund-reason" withAsterisk />
              <Group justify="flex-end">
                <Button color="orange" loading={busy} onClick={submit} data-testid="refund-submit">
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
