import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { KeyStatus } from "../../bindings";

const COLORS: Record<KeyStatus, string> = { active: "green", unknown: "red", unverified: "gray", deleted: "dark" };

export function KeyStatusBadge({ status }: { status: KeyStatus }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant="light" color={COLORS[status]}>
      {t(`customers.status.${status}`)}
    </Badge>
  );
}
