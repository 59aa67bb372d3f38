import { Alert, Text } from "@mantine/core";
import { IconCloudDownload, IconCloudOff } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { ReadingStatus } from "../bindings";
import { useApp } from "../AppContext";
import { formatAge, formatDateTime } from "../lib/format";

/** On every screen of a desk that shows the shared store's copy: what the figures are as
 * of, and — when the last refresh failed (the server away) — that this is the last copy
 * received. Changes and money are refused in Rust; this says so before anyone tries. */
export function ReadingCopyAlert({ reading }: { reading: ReadingStatus }) {
  const { t } = useTranslation();
  const { zone, lang } = useApp();
  const now = reading.now;
  const { as_of, refreshed_at } = reading.copy;
  const at = (s: number) => formatDateTime(s, zone, lang);
  const failed = reading.last_error !== null && reading.last_attempt_at !== null;
  let text: string;
  if (refreshed_at === null && !failed) text = t("reading.never");
  else if (failed && as_of !== null) text = t("reading.away", { at: at(reading.last_attempt_at ?? now), asOf: at(as_of), age: formatAge(as_of, now, lang) });
  else if (failed) text = t("reading.never");
  else if (as_of === null) text = t("reading.notCopied");
  else text = t("reading.asOf", { at: at(as_of), age: formatAge(as_of, now, lang) });
  return (
    <Alert color={failed ? "yellow" : "blue"} variant="light" py={6} mb="sm" icon={failed ? <IconCloudOff size={16} /> : <IconCloudDownload size={16} />} data-testid="reading-copy">
      <Text size="sm" data-testid={failed ? "reading-copy-away" : "reading-copy-as-of"}>
        {reading.refreshing ? t("reading.refreshing") + " " : ""}
        {text}
      </Text>
    </Alert>
  );
}
