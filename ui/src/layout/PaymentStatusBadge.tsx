import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { PaymentStatus } from "../bindings";

const COLORS: Record<PaymentStatus, string> = { ready: "gray", paid: "green", cancelled: "orange", failed: "red" };

/** A payment's status as every list and the payment drawer show it. */
export function PaymentStatusBadge({ status, size = "sm", testId }: { status: PaymentStatus; size?: "sm" | "md"; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge size={size} variant="light" color={COLORS[status]} data-testid={testId}>
      {t(`customers.paymentStatus.${status}`)}
    </Badge>
  );
}
