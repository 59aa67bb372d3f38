import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Mode } from "../bindings";

const COLORS: Record<Mode, string> = { sandbox: "blue", test: "yellow", live: "red" };

export function ModeBadge({ mode }: { mode: Mode }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" color={COLORS[mode]} variant={mode === "live" ? "filled" : "light"} data-testid="status-mode">
      {t(`mode.${mode}`)}
    </Badge>
  );
}
