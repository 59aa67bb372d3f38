import { Alert, Button, Group, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ChargeResult, type Payment } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { LiveConfirm } from "../../components/LiveConfirm";
import { formatKrw } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate, retryPlanQuery } from "../../lib/queries";

/**
 * A failed charge charged again, as Rust's money rules decide: the failed charge's own
 * order when Subdesk sent it, else the new order id the preview gave (kept for this
 * opening: pressing again can only repeat that order). Once answered, nothing is armed.
 */
export function RetryPanel({ payment }: { payment: Payment }) {
  const { t } = useTranslation();
  const { lang, status, profileId } = useApp();
  const client = useQueryClient();
  const plan = useQuery(retryPlanQuery(profileId, payment.imp_uid));
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<ChargeResult | null>(null);
  const retry = useMutation({
    mutationFn: (confirmed: number | null) => call(commands.retryFailed(payment.imp_uid, plan.data?.merchant_uid ?? "", confirmed)),
    meta: { inlineError: true },
    onSuccess: async (r) => {
      setResult(r);
      await invalidate(client, profileId, "money", payment.customer_uid ?? undefined);
    },
  });
  if (plan.error) return <ErrorAlert error={plan.error} testId="retry-unavailable" />;
  const p = plan.data;
  if (!p) return null;
  const won = (n: number) => formatKrw(n, lang);
  return (
    <Stack gap="xs" p="sm" style={{ border: "1px solid var(--mantine-color-gray-3)", borderRadius: 8 }} data-testid="retry-form">
      <Title order={5}>{t("money.retry.title")}</Title>
      <Text size="sm">{t("money.retry.body", { card: [p.card_name, p.card_number].filter(Boolean).join(" ") || p.customer_uid, amount: won(p.total) })}</Text>
      <Text size="xs" c="dimmed" data-testid="retry-order">
        {p.same_order ? t("money.retry.sameOrder", { merchant_uid: p.merchant_uid }) : t("money.retry.newOrder", { merchant_uid: p.merchant_uid })}
      </Text>
      {retry.error && <ErrorAlert error={retry.error} testId="retry-error" />}
      {result ? (
        <Alert
          color={result.status === "paid" ? "green" : result.status === "declined" ? "red" : "yellow"}
          title={result.status === "paid" ? t("money.charge.paidTitle") : result.status === "declined" ? t("money.charge.declinedTitle") : t("money.charge.unknownTitle")}
          data-testid="retry-result"
          data-status={result.status}
        >
          {result.status === "paid" && t("money.charge.paidBody", { amount: won(result.amount), imp_uid: result.imp_uid ?? "" })}
          {result.status === "declined" && (result.fail_reason ?? "")}
          {result.status !== "paid" && result.status !== "declined" && t("money.charge.unknownBody", { merchant_uid: result.merchant_uid })}
          {result.replayed && (
            <Text size="sm" mt={4}>
              {t("money.charge.replayed")}
            </Text>
          )}
        </Alert>
      ) : (
        <Group justify="flex-end">
          <Button
            loading={retry.isPending}
            disabled={status.active_profile.read_only}
            onClick={() => (p.live ? setConfirming(true) : retry.mutate(null))}
            data-testid="retry-submit"
          >
            {t("money.retry.submit", { amount: won(p.total) })}
          </Button>
        </Group>
      )}
      <LiveConfirm
        opened={confirming}
        lines={[{ customer: p.customer_name ?? p.customer_uid, amount: p.total }]}
        onCancel={() => setConfirming(false)}
        onConfirm={(total) => {
          setConfirming(false);
          retry.mutate(total);
        }}
      />
    </Stack>
  );
}
