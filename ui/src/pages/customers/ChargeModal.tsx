import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ChargeResult, type Customer } from "../../bindings";
import { useApp } from "../../AppContext";
import { LiveConfirm } from "../../components/LiveConfirm";
import { errorText, toIpcError, type ShownError } from "../../lib/errors";
import { formatKrw } from "../../lib/format";
import { parseWon, vatOf } from "../../lib/money";

/**
 * "Charge now": amount, order name, tax-free part, instalments; on live, a confirmation.
 * The charge is one intent with one order id for life, fixed by Rust when the form opens:
 * pressing again after a lost answer, a decline or an error retries that same order, so
 * it can never become a second charge. Only "charge once more" starts a new intent.
 */
export function ChargeModal({ customer, opened, onClose }: { customer: Customer; opened: boolean; onClose: (charged: boolean) => void }) {
  const { t } = useTranslation();
  const { status, lang } = useApp();
  const [amount, setAmount] = useState("");
  const [name, setName] = useState("");
  const [taxFree, setTaxFree] = useState("");
  const [quota, setQuota] = useState("0");
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<ChargeResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errorCode, setErrorCode] = useState<ShownError["code"] | null>(null);
  // This form's order id (the intent's). Null until Rust gives one.
  const [intent, setIntent] = useState<string | null>(null);

  useEffect(() => {
    if (opened && intent === null) {
      commands
        .newOrderId()
        .then(setIntent)
        .catch((e: unknown) => setError(errorText(t, e)));
    }
  }, [opened, intent, t]);

  const won = parseWon(amount);
  const free = taxFree.trim() === "" ? 0 : parseWon(taxFree);
  const months = Number(quota);
  const errors = {
    amount: won === null || won < 1 ? t("money.charge.errAmount") : null,
    name: name.trim() === "" || [...name.trim()].length > 40 ? t("money.charge.errName") : null,
    taxFree: free === null || (won !== null && free > won) ? t("money.charge.errTaxFree") : null,
    quota: months >= 2 && (won ?? 0) < 50000 ? t("money.charge.errQuota") : null,
  };
  const valid = Object.values(errors).every((e) => e === null);
  const live = status.active_profile.mode === "live";

  const close = () => {
    const charged = result?.status === "paid";
    setAmount("");
    setName("");
    setTaxFree("");
    setQuota("0");
    setShown(false);
    setResult(null);
    setError(null);
    setErrorCode(null);
    setIntent(null);
    onClose(charged);
  };

  const send = async (confirmedTotal: number | null, order: string | null = intent) => {
    if (won === null || order === null) return;
    setBusy(true);
    setError(null);
    setErrorCode(null);
    try {
      setResult(
        await commands.chargeNow({
          customer_uid: customer.customer_uid,
          amount: won,
          name: name.trim(),
          tax_free: free && free > 0 ? free : null,
          card_quota: months > 0 ? months : null,
          merchant_uid: order,
          confirmed_total: confirmedTotal,
        }),
      );
    } catch (e) {
      setError(errorText(t, e));
      setErrorCode(toIpcError(e).code);
    } finally {
      setBusy(false);
    }
  };

  const submit = (order: string | null = intent) => {
    setShown(true);
    if (!valid) return;
    if (live) setConfirming(true);
    else void send(null, order);
  };

  /** "Check now": look the open request up at i'mport, then ask again for the same order. */
  const checkNow = async () => {
    setBusy(true);
    try {
      await commands.reconcileNow();
    } catch (e) {
      setError(errorText(t, e));
      setBusy(false);
      return;
    }
    setBusy(false);
    void send(null);
  };

  /** A new intent (after being told the same charge was paid already): a new order id. */
  const chargeOnceMore = async () => {
    const order = await commands.newOrderId();
    setIntent(order);
    setResult(null);
    submit(order);
  };

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
          <Group justify="flex-end">
            {result.status === "declined" && (
              <Button variant="default" onClick={() => submit(result.merchant_uid)} loading={busy}>
                {t("money.charge.retry")}
              </Button>
            )}
            {result.status === "unknown" && (
              <Button variant="default" onClick={() => void checkNow()} loading={busy} data-testid="charge-check-now">
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
          <TextInput label={t("money.charge.amount")} inputMode="numeric" value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={shown && errors.amount} data-testid="charge-amount" withAsterisk />
          <TextInput
            label={t("money.charge.name")}
            placeholder={t("money.charge.namePlaceholder")}
            value={name}
            maxLength={40}
            onChange={(e) => setName(e.currentTarget.value)}
            error={shown && errors.name}
            data-testid="charge-name"
            withAsterisk
          />
          <Group grow align="flex-start">
            <TextInput label={t("money.charge.taxFree")} inputMode="numeric" value={taxFree} onChange={(e) => setTaxFree(e.currentTarget.value)} error={shown && errors.taxFree} />
            <Select
              label={t("money.charge.quota")}
              description={t("money.charge.quotaHelp")}
              value={quota}
              allowDeselect={false}
              onChange={(v) => setQuota(v ?? "0")}
              error={shown && errors.quota}
              data={[{ value: "0", label: t("money.charge.lumpSum") }, ...[2, 3, 4, 5, 6, 10, 12].map((m) => ({ value: String(m), label: t("money.charge.months", { count: m }) }))]}
            />
          </Group>
          {won !== null && won > 0 && (
            <Text size="xs" c="dimmed">
              {t("money.charge.vatNote", { vat: formatKrw(vatOf(won, free ?? 0), lang) })}
            </Text>
          )}
          {error && (
            <Alert color="red" data-testid="charge-error">
              {error}
              {errorCode === "charge_unresolved" && (
                <Group mt="xs">
                  <Button size="xs" variant="default" onClick={() => void checkNow()} loading={busy} data-testid="charge-check-now">
                    {t("money.charge.checkNow")}
                  </Button>
                </Group>
              )}
              {(errorCode === "recent_same_charge" || errorCode === "earlier_charge_paid") && (
                <Group mt="xs">
                  <Button size="xs" variant="default" onClick={() => void chargeOnceMore()} loading={busy} data-testid="charge-once-more">
                    {t("money.charge.onceMore")}
                  </Button>
                </Group>
              )}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={() => submit()} loading={busy} disabled={intent === null} data-testid="charge-submit">
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
