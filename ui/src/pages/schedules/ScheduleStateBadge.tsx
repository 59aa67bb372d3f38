import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { ScheduleState } from "../../bindings";

/** Each state's colour, the one table the list, the drawer and the calendar use. */
export const STATE_COLORS: Record<ScheduleState, string> = { scheduled: "blue", paid: "green", failed: "red", revoked: "gray" };

export const STATES: readonly ScheduleState[] = ["scheduled", "paid", "failed", "revoked"];

export function ScheduleStateBadge({ state, testId }: { state: ScheduleState; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant="light" color={STATE_COLORS[state]} data-testid={testId} data-state={state}>
      {t(`schedules.state.${state}`)}
    </Badge>
  );
}
