import { Group, Loader, Text, Tooltip } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import { errorText } from "../lib/errors";
import { formatDateTime } from "../lib/format";
import { engineStatusQuery } from "../lib/queries";

/** The plan engine in the status bar: running now, or what its last run on this profile did. */
export function EngineStatusText() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const engine = useQuery(engineStatusQuery(profileId));
  const s = engine.data;
  if (!s || s.profile_id !== profileId) return null;
  if (s.running)
    return (
      <Group gap={4} wrap="nowrap" ml="auto" data-testid="engine-status" data-state="running">
        <Loader size={10} />
        <Text size="xs" c="dimmed">
          {t("plans.engine.running")}
        </Text>
      </Group>
    );
  if (s.error)
    return (
      <Tooltip label={errorText(t, s.error)} multiline w={320} withinPortal>
        <Text size="xs" c={s.error.code === "work_busy" ? "dimmed" : "red"} ml="auto" truncate data-testid="engine-status" data-state="error">
          {s.error.code === "work_busy" ? t("plans.engine.busy") : t("plans.engine.failed")}
        </Text>
      </Tooltip>
    );
  if (!s.report || s.finished_at === null) return null;
  const r = s.report;
  const deferred = r.deferred.length;
  return (
    <Text size="xs" c="dimmed" ml="auto" truncate data-testid="engine-status" data-state="done">
      {t("plans.engine.last", { when: formatDateTime(s.finished_at, zone, lang), registered: r.registered, paid: r.paid + r.retries_paid, failed: r.failed, retries: r.retries })}
      {deferred > 0 && ` · ${t("plans.engine.deferred", { count: deferred })}`}
    </Text>
  );
}
