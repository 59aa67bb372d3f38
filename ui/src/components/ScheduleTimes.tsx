import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import { formatDateTime } from "../lib/format";

/** A schedule's two times as Settings shows them (the folder backups' and the shared
 * copy's): when it last succeeded, and when it runs next; `testIds` names the two values. */
export function ScheduleTimes({ lastLabel, last, next, testIds }: { lastLabel: string; last: number | null; next: number | null; testIds: [string, string] }) {
  const { t } = useTranslation();
  const { zone, lang } = useApp();
  return (
    <>
      <div>
        <Text size="xs" c="dimmed">
          {lastLabel}
        </Text>
        <Text size="sm" data-testid={testIds[0]}>
          {last === null ? t("backupFolder.never") : formatDateTime(last, zone, lang)}
        </Text>
      </div>
      <div>
        <Text size="xs" c="dimmed">
          {t("backupFolder.nextDue")}
        </Text>
        <Text size="sm" data-testid={testIds[1]}>
          {next === null ? t("backupFolder.notScheduled") : formatDateTime(next, zone, lang)}
        </Text>
      </div>
    </>
  );
}
