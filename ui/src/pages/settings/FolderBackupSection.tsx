import { Button, Group, NumberInput, Paper, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconCloudUpload, IconFolder, IconRestore } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type BackupEvery, type FolderBackup } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { RestoreConfirm } from "../../components/RestoreConfirm";
import { ScheduleTimes } from "../../components/ScheduleTimes";
import { formatDateTime } from "../../lib/format";
import { call } from "../../lib/ipc";
import { backupSetupQuery, folderBackupsQuery, invalidate } from "../../lib/queries";

/** The schedule choices, as Rust's `BackupEvery` has them (the shared store's copy uses them too). */
export const EVERY: BackupEvery[] = ["off", "every6_hours", "daily"];

function megabytes(bytes: number, lang: string): string {
  return `${(bytes / 1_000_000).toLocaleString(lang === "ko" ? "ko-KR" : "en-US", { maximumFractionDigits: 1 })} MB`;
}

/**
 * Backups to a folder the user chose (a NAS, a synced folder): the folder, how often and
 * how many are kept, how the schedule stands, the folder's backups of this profile, and
 * restoring one — also on a new computer, where the store is still empty.
 */
export function FolderBackupSection() {
  const { t } = useTranslation();
  const { zone, lang, profileId, status, refresh } = useApp();
  const client = useQueryClient();
  const setup = useQuery(backupSetupQuery(profileId));
  const view = setup.data ?? null;
  const folderChosen = view?.settings.folder != null;
  const list = useQuery({ ...folderBackupsQuery(profileId), enabled: folderChosen });
  const [restoring, setRestoring] = useState<FolderBackup | null>(null);
  const closed = status.session_error !== null;

  const form = useForm<{ every: BackupEvery; keep: number | string }>({ initialValues: { every: "off", keep: 14 } });
  const { setValues, resetDirty } = form;
  useEffect(() => {
    if (view) {
      setValues({ every: view.settings.every, keep: view.settings.keep });
      resetDirty({ every: view.settings.every, keep: view.settings.keep });
    }
    // Only when Rust's settings change, not on every render of the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view?.settings.every, view?.settings.keep]);

  const stale = () => invalidate(client, profileId, "backups");
  const choose = useMutation({ mutationFn: () => call(commands.chooseBackupFolder()), meta: { inlineError: true }, onSuccess: stale });
  const save = useMutation({
    mutationFn: (v: { every: BackupEvery; keep: number }) => call(commands.setBackupSchedule(v.every, v.keep)),
    meta: { inlineError: true },
    onSuccess: async () => {
      notifications.show({ color: "green", message: t("settings.saved") });
      await stale();
    },
  });
  const backUp = useMutation({
    mutationFn: () => call(commands.backupToFolderNow()),
    meta: { inlineError: true },
    onSuccess: async (made) => {
      notifications.show({ color: "green", message: t("backupFolder.backedUp", { name: made.file_name }) });
      await stale();
    },
    onError: stale,
  });
  const restore = useMutation({
    mutationFn: (b: FolderBackup) => call(commands.restoreFolderBackup(b.file_name)),
    meta: { inlineError: true },
    onSuccess: async () => {
      setRestoring(null);
      notifications.show({ color: "green", message: t("backupFolder.restored") });
      await refresh();
      await invalidate(client, profileId, "everything");
    },
  });

  const actionError = choose.error ?? save.error ?? backUp.error ?? setup.error;
  const when = (at: number | null) => (at === null ? t("backupFolder.never") : formatDateTime(at, zone, lang));
  const backups = list.data ?? [];

  return (
    <Paper withBorder p="md" radius="md" data-testid="folder-backups">
      <Title order={5}>{t("backupFolder.title")}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("backupFolder.help")}
      </Text>
      {view && (
        <Stack gap="sm">
          <Group justify="space-between" wrap="nowrap" align="center">
            <div style={{ minWidth: 0 }}>
              <Text size="xs" c="dimmed">
                {t("backupFolder.folder")}
              </Text>
              <Text size="sm" ff="monospace" style={{ wordBreak: "break-all" }} data-testid="backup-folder">
                {view.settings.folder ?? t("backupFolder.noFolder")}
              </Text>
            </div>
            <Button leftSection={<IconFolder size={16} />} variant="default" style={{ flexShrink: 0 }} loading={choose.isPending} onClick={() => choose.mutate()} data-testid="choose-backup-folder">
              {t("backupFolder.choose")}
            </Button>
          </Group>

          <form onSubmit={form.onSubmit((v) => save.mutate({ every: v.every, keep: Number(v.keep) }))}>
            <Group align="flex-end" gap="sm">
              <Select
                label={t("backupFolder.every")}
                data={EVERY.map((e) => ({ value: e, label: t(`backupFolder.everyOption.${e}`) }))}
                allowDeselect={false}
                w={180}
                {...form.getInputProps("every")}
                data-testid="backup-every"
              />
              <NumberInput label={t("backupFolder.keep", { min: view.keep_min, max: view.keep_max })} min={view.keep_min} max={view.keep_max} clampBehavior="none" allowDecimal={false} w={200} {...form.getInputProps("keep")} data-testid="backup-keep" />
              <Button type="submit" variant="light" loading={save.isPending} disabled={!form.isDirty()} data-testid="backup-schedule-save">
                {t("common.save")}
              </Button>
            </Group>
          </form>

          <Group gap="xl" data-testid="backup-schedule-status">
            <ScheduleTimes lastLabel={t("backupFolder.lastSuccess")} last={view.last_success_at} next={view.next_due_at} testIds={["backup-last-success", "backup-next-due"]} />
            <Button ml="auto" leftSection={<IconCloudUpload size={16} />} variant="light" loading={backUp.isPending || view.running} disabled={!folderChosen || closed} onClick={() => backUp.mutate()} data-testid="backup-to-folder">
              {t("backupFolder.backupNow")}
            </Button>
          </Group>

          {view.last_error && !backUp.error && <ErrorAlert error={view.last_error} title={t("backupFolder.lastFailed", { at: when(view.last_attempt_at) })} testId="backup-last-error" />}
          {actionError && <ErrorAlert error={actionError} testId="backup-folder-error" />}
          {list.error && <ErrorAlert error={list.error} onRetry={() => void list.refetch()} testId="backup-list-error" />}

          {folderChosen && !list.error && (
            backups.length === 0 ? (
              <Text size="sm" c="dimmed" data-testid="no-folder-backups">
                {t("backupFolder.empty")}
              </Text>
            ) : (
              <Table fz="sm" striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("settings.backupAt")}</Table.Th>
                    <Table.Th ta="right">{t("backupFolder.customers")}</Table.Th>
                    <Table.Th ta="right">{t("backupFolder.keys")}</Table.Th>
                    <Table.Th ta="right">{t("backupFolder.payments")}</Table.Th>
                    <Table.Th ta="right">{t("settings.backupSize")}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {backups.map((b) => (
                    <Table.Tr key={b.file_name} data-testid="folder-backup-row" title={b.file_name}>
                      <Table.Td>{formatDateTime(b.taken_at, zone, lang)}</Table.Td>
                      {b.contents ? (
                        <>
                          <Table.Td ta="right">{b.contents.customers.toLocaleString(lang)}</Table.Td>
                          <Table.Td ta="right">{b.contents.active_keys.toLocaleString(lang)}</Table.Td>
                          <Table.Td ta="right">{b.contents.payments.toLocaleString(lang)}</Table.Td>
                        </>
                      ) : (
                        <Table.Td colSpan={3} ta="right" c="red" data-testid="folder-backup-damaged">
                          {t("backupFolder.damaged")}
                        </Table.Td>
                      )}
                      <Table.Td ta="right">{megabytes(b.size_bytes, lang)}</Table.Td>
                      <Table.Td ta="right">
                        <Button size="compact-sm" variant="subtle" leftSection={<IconRestore size={14} />} disabled={!b.contents} onClick={() => setRestoring(b)} data-testid="restore-backup">
                          {t("backupFolder.restore")}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )
          )}
        </Stack>
      )}

      {restoring?.contents && (
        <RestoreConfirm
          opened
          title={t("backupFolder.confirmTitle")}
          body={t("backupFolder.confirmBody", {
            profile: status.active_profile.name,
            at: formatDateTime(restoring.taken_at, zone, lang),
            customers: restoring.contents.customers.toLocaleString(lang),
            keys: restoring.contents.active_keys.toLocaleString(lang),
            payments: restoring.contents.payments.toLocaleString(lang),
          })}
          pending={restore.isPending}
          error={restore.error}
          onClose={() => setRestoring(null)}
          onConfirm={() => restore.mutate(restoring)}
          testId="restore-confirm"
        />
      )}
    </Paper>
  );
}
