import { Button, Group, Paper, Table, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconDatabaseExport } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { formatDateTime } from "../../lib/format";
import { call } from "../../lib/ipc";
import { backupsQuery, invalidate } from "../../lib/queries";
import { FolderBackupSection } from "./FolderBackupSection";

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function megabytes(bytes: number, lang: string): string {
  return `${(bytes / 1_000_000).toLocaleString(lang === "ko" ? "ko-KR" : "en-US", { maximumFractionDigits: 1 })} MB`;
}

/** The active profile's database backups, and a backup on demand. */
export function BackupSection() {
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const client = useQueryClient();
  // A profile that cannot be opened has no backups to list (the shell says why).
  const closed = status.session_error !== null;
  const list = useQuery({ ...backupsQuery(profileId), enabled: !closed });
  const backups = list.data ?? null;

  const backUp = useMutation({
    mutationFn: () => call(commands.backupNow()),
    meta: { inlineError: true },
    onSuccess: async (made) => {
      notifications.show({ color: "green", message: t("settings.backedUp", { name: fileName(made.path) }) });
      await invalidate(client, profileId, "backups");
    },
  });
  const error = backUp.error ?? list.error;

  return (
    <>
    <FolderBackupSection />
    <Paper withBorder p="md" radius="md" data-testid="backups">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Title order={5}>{t("settings.backups")}</Title>
          <Text size="sm" c="dimmed" mb="sm">
            {t("settings.backupsHelp")}
          </Text>
        </div>
        <Button leftSection={<IconDatabaseExport size={16} />} variant="light" style={{ flexShrink: 0 }} loading={backUp.isPending} disabled={closed} onClick={() => backUp.mutate()} data-testid="backup-now">
          {t("settings.backupNow")}
        </Button>
      </Group>
      {error && !closed && <ErrorAlert error={error} onRetry={backUp.error ? undefined : () => void list.refetch()} testId="backup-error" />}
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
                  <Table.Td>{formatDateTime(b.created_at, zone, lang)}</Table.Td>
                  <Table.Td ta="right">{megabytes(b.size_bytes, lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )
      )}
    </Paper>
    </>
  );
}
