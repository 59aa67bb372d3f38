import { Button, Group, Menu, Notification, Progress, Text } from "@mantine/core";
import { IconChevronDown, IconDownload, IconFileSpreadsheet, IconFileText, IconFolderOpen } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type ExportColumn, type ExportFormat, type ExportList, type ExportProgress } from "../bindings";
import { useApp } from "../AppContext";
import { call } from "../lib/ipc";
import { ErrorAlert } from "./ErrorAlert";

/** The formats offered, the default first. */
export const EXPORT_FORMATS: ExportFormat[] = ["xlsx", "csv", "csv_cp949"];

/**
 * An export of a list from its page: Rust opens the save dialog, writes the file and says
 * how far it is; the page shows the menu (`ExportMenu`) where its buttons are and the
 * progress and result (`ExportStatus`) in its own flow, where nothing covers a button.
 */
export function useExport(list: ExportList, columns: ExportColumn[]) {
  const { lang } = useApp();
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const run = useMutation({
    mutationFn: (format: ExportFormat) => {
      const channel = new Channel<ExportProgress>();
      channel.onmessage = (p) => setProgress(p);
      setProgress(null);
      return call(commands.exportList({ list, columns, format, lang }, channel));
    },
    onSettled: () => setProgress(null),
  });
  const stop = useMutation({ mutationFn: () => call(commands.stopExport()) });
  const reveal = useMutation({ mutationFn: () => call(commands.revealExport()) });
  return { run, stop, reveal, progress };
}

export type Exporter = ReturnType<typeof useExport>;

const ICONS: Record<ExportFormat, typeof IconFileSpreadsheet> = { xlsx: IconFileSpreadsheet, csv: IconFileText, csv_cp949: IconFileText };

export function ExportMenu({ exporter, testId, disabled = false }: { exporter: Exporter; testId: string; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default" leftSection={<IconDownload size={16} />} rightSection={<IconChevronDown size={14} />} loading={exporter.run.isPending} disabled={disabled} data-testid={testId}>
          {t("exports.button")}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {EXPORT_FORMATS.map((format) => {
          const Icon = ICONS[format];
          return (
            <Menu.Item key={format} leftSection={<Icon size={16} />} onClick={() => exporter.run.mutate(format)} data-testid={`${testId}-${format}`}>
              <Text size="sm">{t(`exports.format.${format}`)}</Text>
              <Text size="xs" c="dimmed">
                {t(`exports.formatHint.${format}`)}
              </Text>
            </Menu.Item>
          );
        })}
      </Menu.Dropdown>
    </Menu>
  );
}

/** Progress with a stop while it runs; then the file and "open folder", or why not. */
export function ExportStatus({ exporter, testId }: { exporter: Exporter; testId: string }) {
  const { t, i18n } = useTranslation();
  const { run, stop, reveal, progress } = exporter;
  const count = (n: number) => n.toLocaleString(i18n.language === "ko" ? "ko-KR" : "en-US");
  if (run.isPending) {
    const total = progress?.total ?? 0;
    const rows = progress?.rows ?? 0;
    return (
      <Group gap="sm" wrap="nowrap" data-testid={`${testId}-progress`}>
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          {progress ? t("exports.progress", { rows: count(rows), total: count(total) }) : t("exports.waiting")}
        </Text>
        <Progress flex={1} value={total > 0 ? (100 * rows) / total : 0} animated />
        <Button size="compact-xs" variant="light" color="red" onClick={() => stop.mutate()} data-testid={`${testId}-stop`}>
          {t("exports.stop")}
        </Button>
      </Group>
    );
  }
  if (run.error) {
    return <ErrorAlert error={run.error} title={t("exports.failed")} testId={`${testId}-error`} />;
  }
  const done = run.data;
  if (!done) return null;
  if (done.cancelled) {
    return (
      <Notification color="yellow" withBorder onClose={() => run.reset()} closeButtonProps={{ "aria-label": t("common.close") }} data-testid={`${testId}-stopped`}>
        {t("exports.stopped")}
      </Notification>
    );
  }
  return (
    <Notification color="green" withBorder title={t("exports.done")} onClose={() => run.reset()} closeButtonProps={{ "aria-label": t("common.close") }} data-testid={`${testId}-done`}>
      <Group justify="space-between" wrap="nowrap" gap="sm">
        <Text size="sm" style={{ wordBreak: "break-all" }}>
          {t("exports.written", { file: done.file_name, rows: count(done.rows) })}
        </Text>
        <Button size="compact-sm" variant="light" leftSection={<IconFolderOpen size={14} />} onClick={() => reveal.mutate()} loading={reveal.isPending} data-testid={`${testId}-reveal`} style={{ flexShrink: 0 }}>
          {t("exports.reveal")}
        </Button>
      </Group>
      {reveal.error ? (
        <Text size="xs" c="red" mt={4}>
          {t("exports.revealFailed")}
        </Text>
      ) : null}
    </Notification>
  );
}
