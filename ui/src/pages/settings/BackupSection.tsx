import { Button, Group, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDatabaseExport } from "@tabler/icons-react";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type BackupInfo } from "../../bindings";
import { useApp } from "../../AppContext";
import { errorText } from "../../lib/errors";
import { formatDateTime } from "../../lib/format";

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function megabytes(bytes: number, lang: string): string {
  return `${(bytes / 1_000_000).toLocaleString(lang === "ko" ? "ko-KR" : "en-US", { maximumFractionDigits: 1 })} MB`;
}

/** The active profile's database backups, and a backup on demand. */
export function BackupSection() {
  const { t } = useTranslation();
  const { status, settings, lang } = useApp();
  const [backups, setBackups] = useState<BackupInfo[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const closed = status.session_error !== null;

  const load = useCallback(() => {
    commands
      .listBackups()
      .then((list) => {
        setBackups(list);
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(t, e)));
  }, [t]);
  useEffect(() => {
    if (!closed) load();
  }, [load, closed, status.active_profile.id]);

  const backUp = async () => {
    setBusy(true);
    try {
      const made = await commands.backupNow();
      notifications.show({ color: "green", message: t("settings.backedUp", { name: fileName(made.path) }) });
      load();
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="backups">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Title order={5}>{t("settings.backups")}</Title>
          <Text size="sm" c="dimmed" mb="sm">
            {t("settings.backupsHelp")}
          </Text>
        </div>
        <Button leftSection={<IconDatabaseExport size={16} />} variant="light" style={{ flexShrink: 0 }} loading={busy} disabled={closed} onClick={() => void backUp()} data-testid="backup-now">
          {t("settings.backupNow")}
        </Button>
      </Group>
      {error && (
        <Text size="sm" c="red" data-testid="backup-error">
          {error}
        </Text>
      )}
      {backups !== null && !closed && (
        backups.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t("settings.noBackups")}
          </Text>
        ) : (
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("settings.backupFile")}</Table.Th>
                <Table.Th>{t("settings.backupAt")}</Table.Th>
                <Table.Th ta="right">{t("settings.backupSize")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {backups.map((b) => (
                <Table.Tr key={b.path} data-testid="backup-row">
                  <Table.Td ff="monospace" title={b.path}>
                    {fileName(b.path)}
                  </Table.Td>
                  <Table.Td>{formatDateTime(b.created_at, settings.time_zone, lang)}</Table.Td>
                  <Table.Td ta="right">{megabytes(b.size_bytes, lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      )}
    </Paper>
  );
}
