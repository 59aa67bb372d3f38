import { Alert, Button, Group, Paper, PasswordInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconCloudDownload, IconServer } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Channel } from "@tauri-apps/api/core";
import { commands, type BackupContents, type CopyProgress, type SharedCopy } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { RestoreConfirm } from "../../components/RestoreConfirm";
import { formatDateTime } from "../../lib/format";
import { call } from "../../lib/ipc";
import { invalidate } from "../../lib/queries";

type Server = { url: string; password: string };

const sent = (v: Server) => [v.url.trim(), v.password === "" ? null : v.password] as const;

/** Team mode's first step: this computer's store copied into a PostgreSQL server, so the
 * registry survives a lost laptop and a team can start from it, and restored from it on a
 * new computer. The address and password are sent for one copy or restore only; Rust
 * checks them and keeps neither. */
export function SharedStoreSection() {
  const { t } = useTranslation();
  const { status, lang, zone, profileId, refresh } = useApp();
  const client = useQueryClient();
  // What a restore would bring, with the server it comes from, while the person decides.
  const [offer, setOffer] = useState<{ server: Server; contents: BackupContents } | null>(null);
  const closed = status.session_error !== null;
  const form = useForm({
    initialValues: { url: "", password: "" },
    validate: {
      url: (v) => (v.trim() === "" ? t("sharedStore.urlNeeded") : null),
    },
  });

  // How far a copy is (a million payments take a minute or more).
  const [progress, setProgress] = useState<CopyProgress | null>(null);
  const copy = useMutation({
    mutationFn: (v: Server) => {
      const channel = new Channel<CopyProgress>();
      channel.onmessage = setProgress;
      setProgress(null);
      return call(commands.copyToSharedStore(...sent(v), channel));
    },
    meta: { inlineError: true },
    // The password never stays in the UI's state.
    onSettled: () => {
      form.setFieldValue("password", "");
      setProgress(null);
    },
  });
  const tableName = (table: string) => t(`sharedStore.tables.${table}`, { defaultValue: t("sharedStore.tables.other") });
  const inspect = useMutation({
    mutationFn: (v: Server) => call(commands.inspectSharedStore(...sent(v))).then((contents) => ({ server: v, contents })),
    meta: { inlineError: true },
    onSuccess: (found) => {
      setOffer(found);
      form.setFieldValue("password", "");
    },
  });
  const restore = useMutation({
    mutationFn: (v: Server) => call(commands.restoreFromSharedStore(...sent(v))),
    meta: { inlineError: true },
    onSuccess: async () => {
      setOffer(null);
      notifications.show({ color: "green", message: t("sharedStore.restored") });
      await refresh();
      await invalidate(client, profileId, "everything");
    },
  });
  const close = () => {
    setOffer(null);
    restore.reset();
  };
  // One answer shows at a time: the copy's or the restore's, whichever was asked last.
  const askRestore = () => {
    if (form.validate().hasErrors) return;
    copy.reset();
    inspect.mutate(form.values);
  };
  const askCopy = (v: Server) => {
    inspect.reset();
    copy.mutate(v);
  };
  const done: SharedCopy | undefined = copy.data;
  // Tables empty here and on the server say nothing; the rest are the report.
  const carried = done?.tables.filter((r) => r.rows > 0 || r.removed > 0) ?? [];

  return (
    <Paper withBorder p="md" radius="md" data-testid="shared-store">
      <Title order={5}>{t("sharedStore.title")}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("sharedStore.help")}
      </Text>
      <form onSubmit={form.onSubmit(askCopy)}>
        <Stack gap="sm">
          <Group align="flex-start" grow wrap="wrap">
            <TextInput label={t("sharedStore.url")} placeholder="postgres://subdesk@192.168.0.10:5432/subdesk" miw={260} {...form.getInputProps("url")} data-testid="shared-url" />
            <PasswordInput label={t("sharedStore.password")} miw={180} {...form.getInputProps("password")} data-testid="shared-password" />
          </Group>
          <Text size="xs" c="dimmed">
            {t("sharedStore.tls")}
          </Text>
          <Group>
            <Button type="submit" variant="light" leftSection={<IconServer size={16} />} loading={copy.isPending} disabled={closed} data-testid="shared-copy">
              {t("sharedStore.copy")}
            </Button>
            <Button variant="subtle" leftSection={<IconCloudDownload size={16} />} loading={inspect.isPending} onClick={askRestore} data-testid="shared-restore">
              {t("sharedStore.restore")}
            </Button>
          </Group>
          {copy.isPending && progress && (
            <Text size="sm" c="dimmed" data-testid="shared-progress">
              {t("sharedStore.progress", { table: tableName(progress.table), done: progress.done.toLocaleString(lang), total: progress.total.toLocaleString(lang) })}
            </Text>
          )}
        </Stack>
      </form>
      {(copy.error ?? inspect.error) && <ErrorAlert error={copy.error ?? inspect.error} testId="shared-error" />}
      {done && !copy.isPending && (
        <Stack gap="xs" mt="sm">
          <Alert color="green" data-testid="shared-done">
            {t("sharedStore.done", { target: done.target, changed: done.changed.toLocaleString(lang) })}
          </Alert>
          {carried.length > 0 && (
          <Table fz="sm" striped data-testid="shared-tables">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("sharedStore.table")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.rows")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.added")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.updated")}</Table.Th>
                <Table.Th ta="right">{t("sharedStore.removed")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {carried.map((r) => (
                <Table.Tr key={r.table}>
                  <Table.Td>{tableName(r.table)}</Table.Td>
                  <Table.Td ta="right">{r.rows.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.added.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.updated.toLocaleString(lang)}</Table.Td>
                  <Table.Td ta="right">{r.removed.toLocaleString(lang)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          )}
        </Stack>
      )}
      {offer && (
        <RestoreConfirm
          opened
          title={t("sharedStore.confirmTitle")}
          body={t("sharedStore.confirmBody", {
            profile: status.active_profile.name,
            at: formatDateTime(offer.contents.taken_at, zone, lang),
            customers: offer.contents.customers.toLocaleString(lang),
            keys: offer.contents.active_keys.toLocaleString(lang),
            payments: offer.contents.payments.toLocaleString(lang),
          })}
          pending={restore.isPending}
          error={restore.error}
          onClose={close}
          onConfirm={() => restore.mutate(offer.server)}
          testId="shared-restore-confirm"
        />
      )}
    </Paper>
  );
}
