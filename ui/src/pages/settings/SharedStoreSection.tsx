import { Alert, Button, Group, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconCloudDownload, IconPlayerStop, IconServer } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Channel } from "@tauri-apps/api/core";
import { commands, type BackupContents, type BackupEvery, type CopyProgress, type SharedCopy, type SharedDirection } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { RestoreConfirm } from "../../components/RestoreConfirm";
import { ScheduleTimes } from "../../components/ScheduleTimes";
import { formatDateTime } from "../../lib/format";
import { call, errorCode } from "../../lib/ipc";
import { invalidate, sharedSetupQuery } from "../../lib/queries";
import { EVERY } from "./FolderBackupSection";

type Server = { url: string; password: string };
type Values = Server & { every: BackupEvery; direction: SharedDirection; passphrase: string };
const DIRECTIONS: SharedDirection[] = ["to_server", "from_server"];

// An empty password is none: Rust then uses the keyring's for the saved address.
const sent = (v: Server) => [v.url.trim(), v.password === "" ? null : v.password] as const;

/** Team mode: this computer's store copied into a PostgreSQL server — by hand or on a
 * schedule — so the registry survives a lost laptop and a team can start from it, and
 * restored from it on a new computer; or, on a read-only desk (the finance clerk's), the
 * server's copy received and shown. Saved, the address goes to the profile's settings and
 * the password to the OS keyring (Rust checks both); neither the password nor the app
 * lock's passphrase stays in the UI's state. */
export function SharedStoreSection() {
  const { t } = useTranslation();
  const { status, lang, zone, profileId, refresh } = useApp();
  const client = useQueryClient();
  // A scheduled copy runs behind the screen: what it did shows within seconds.
  const setup = useQuery({ ...sharedSetupQuery(profileId), refetchInterval: (q) => (q.state.data?.settings.every === "off" ? false : q.state.data?.running ? 2_000 : 10_000) });
  const view = setup.data ?? null;
  // What a restore would bring, with the server it comes from, while the person decides.
  const [offer, setOffer] = useState<{ server: Server; contents: BackupContents } | null>(null);
  const closed = status.session_error !== null;
  const readOnly = status.active_profile.read_only;
  const form = useForm<Values>({
    initialValues: { url: "", password: "", every: "off", direction: "to_server", passphrase: "" },
    validate: {
      url: (v) => (v.trim() === "" ? t("sharedStore.urlNeeded") : null),
    },
  });
  const { setValues, resetDirty } = form;
  const savedUrl = view?.settings.url ?? "";
  const savedEvery = view?.settings.every ?? "off";
  const savedDirection = view?.settings.direction ?? "to_server";
  // This desk shows the server's copy (Rust's rule: saved so, and read-only).
  const reading = view?.read_copy != null;
  useEffect(() => {
    if (view) {
      setValues({ url: savedUrl, every: savedEvery, direction: savedDirection });
      resetDirty({ url: savedUrl, password: "", every: savedEvery, direction: savedDirection, passphrase: "" });
    }
    // Only when Rust's settings change, not on every render of the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [savedUrl, savedEvery, savedDirection]);
  const stale = () => invalidate(client, profileId, "backups");

  const save = useMutation({
    mutationFn: (v: Values & { forget: boolean }) =>
      call(commands.saveSharedStoreSettings(v.url.trim() === "" ? null : v.url.trim(), v.every, v.direction, v.password === "" ? null : v.password, v.forget, readOnly && v.passphrase !== "" ? v.passphrase : null)),
    meta: { inlineError: true },
    onSuccess: async (_, v) => {
      notifications.show({ color: "green", message: v.forget ? t("sharedStore.passwordForgotten") : t("settings.saved") });
      await stale();
      // The shell's line about the copy follows the saved direction.
      await refresh();
    },
    onSettled: () => {
      form.setFieldValue("password", "");
      form.setFieldValue("passphrase", "");
    },
  });

  // A reading desk: the server's copy received now, in place of the one shown.
  const receive = useMutation({
    mutationFn: () => call(commands.refreshFromSharedStore()),
    meta: { inlineError: true },
    onSuccess: async (got) => {
      notifications.show({ color: "green", message: t("sharedStore.refreshed", { customers: got.customers.toLocaleString(lang), payments: got.payments.toLocaleString(lang) }) });
    },
    onSettled: async () => {
      await refresh();
      await stale();
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
    onSettled: async () => {
      form.setFieldValue("password", "");
      setProgress(null);
      await stale();
    },
  });
  // A copy stopped by the person wrote nothing: said plainly, not as a failure.
  const stop = useMutation({ mutationFn: () => call(commands.stopSharedCopy()) });
  const stoppedByUser = errorCode(copy.error) === "shared_copy_stopped";
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
  // Closed without restoring: the fetched copy it showed is removed now.
  const forget = useMutation({ mutationFn: () => call(commands.forgetSharedInspection()) });
  const close = () => {
    setOffer(null);
    restore.reset();
    forget.mutate();
  };
  // One answer shows at a time: whichever was asked last.
  const only = (keep: { reset: () => void }) => {
    for (const m of [save, copy, inspect, receive]) if (m !== keep) m.reset();
  };
  const askRestore = () => {
    if (form.validate().hasErrors) return;
    only(inspect);
    inspect.mutate(form.values);
  };
  const askCopy = () => {
    if (form.validate().hasErrors) return;
    only(copy);
    copy.mutate(form.values);
  };
  const askSave = (v: Values, forget = false) => {
    if (readOnly && v.passphrase === "") {
      form.setFieldError("passphrase", t("sharedStore.passphraseNeeded"));
      return;
    }
    only(save);
    save.mutate({ ...v, forget });
  };
  const askReceive = () => {
    only(receive);
    receive.mutate();
  };
  const when = (at: number | null) => (at === null ? t("backupFolder.never") : formatDateTime(at, zone, lang));
  const actionError = save.error ?? (stoppedByUser ? null : copy.error) ?? inspect.error ?? receive.error ?? setup.error;
  const done: SharedCopy | undefined = copy.data;
  // Tables empty here and on the server say nothing; the rest are the report.
  const carried = done?.tables.filter((r) => r.rows > 0 || r.removed > 0) ?? [];

  return (
    <Paper withBorder p="md" radius="md" data-testid="shared-store">
      <Title order={5}>{t("sharedStore.title")}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {reading ? t("sharedStore.readingHelp") : t("sharedStore.help")}
      </Text>
      <form onSubmit={form.onSubmit((v) => askSave(v))}>
        <Stack gap="sm">
          <Group align="flex-start" grow wrap="wrap">
            <TextInput label={t("sharedStore.url")} placeholder="postgres://subdesk@192.168.0.10:5432/subdesk" miw={260} {...form.getInputProps("url")} data-testid="shared-url" />
            <PasswordInput
              label={t("sharedStore.password")}
              // The keyring's password goes with the saved address only.
              description={view?.password_saved && form.values.url.trim() === savedUrl ? t("sharedStore.passwordSaved") : undefined}
              miw={180}
              {...form.getInputProps("password")}
              data-testid="shared-password"
            />
          </Group>
          <Text size="xs" c="dimmed">
            {t("sharedStore.tls")}
          </Text>
          <Select
            label={t("sharedStore.direction")}
            // Only a read-only profile may show the server's copy (Rust refuses it too).
            data={DIRECTIONS.map((d) => ({ value: d, label: t(`sharedStore.directionOption.${d}`), disabled: d === "from_server" && !readOnly }))}
            description={readOnly ? undefined : t("sharedStore.fromServerNeedsReadOnly")}
            allowDeselect={false}
            maw={420}
            {...form.getInputProps("direction")}
            data-testid="shared-direction"
          />
          {readOnly && <PasswordInput label={t("sharedStore.passphrase")} description={t("sharedStore.passphraseHelp")} maw={420} {...form.getInputProps("passphrase")} data-testid="shared-passphrase" />}
          <Group align="flex-end" gap="sm">
            <Select label={form.values.direction === "from_server" ? t("sharedStore.everyReading") : t("sharedStore.every")} data={EVERY.map((e) => ({ value: e, label: t(`backupFolder.everyOption.${e}`) }))} allowDeselect={false} w={180} {...form.getInputProps("every")} data-testid="shared-every" />
            <Button type="submit" variant="light" loading={save.isPending} disabled={!form.isDirty() || closed} data-testid="shared-save">
              {t("common.save")}
            </Button>
            {view?.password_saved && (
              <Button variant="subtle" color="gray" disabled={closed || save.isPending} onClick={() => askSave({ ...form.values, url: savedUrl, every: savedEvery, direction: savedDirection, password: "" }, true)} data-testid="shared-forget-password">
                {t("sharedStore.forgetPassword")}
              </Button>
            )}
          </Group>
          {view && (
            <Group gap="xl" data-testid="shared-schedule-status">
              <ScheduleTimes
                lastLabel={reading ? t("sharedStore.lastRefresh") : t("sharedStore.lastCopy")}
                last={reading ? (view.read_copy?.refreshed_at ?? null) : view.last_copy_at}
                next={view.next_due_at}
                testIds={["shared-last-copy", "shared-next-due"]}
              />
            </Group>
          )}
          {reading ? (
            <Group>
              <Button variant="light" leftSection={<IconCloudDownload size={16} />} loading={receive.isPending || (view?.running ?? false)} disabled={closed} onClick={askReceive} data-testid="shared-refresh">
                {t("sharedStore.refresh")}
              </Button>
            </Group>
          ) : (
          <Group>
            <Button variant="light" leftSection={<IconServer size={16} />} loading={copy.isPending || (view?.running ?? false)} disabled={closed} onClick={askCopy} data-testid="shared-copy">
              {t("sharedStore.copy")}
            </Button>
            <Button variant="subtle" leftSection={<IconCloudDownload size={16} />} loading={inspect.isPending} onClick={askRestore} data-testid="shared-restore">
              {t("sharedStore.restore")}
            </Button>
          </Group>
          )}
          {(copy.isPending || view?.running) && (
            <Group gap="sm">
              <Button size="compact-sm" variant="light" color="red" leftSection={<IconPlayerStop size={14} />} loading={stop.isPending} onClick={() => stop.mutate()} data-testid="shared-stop">
                {t("sharedStore.stop")}
              </Button>
            </Group>
          )}
          {stoppedByUser && (
            <Alert color="gray" data-testid="shared-stopped">
              {t("errors.shared_copy_stopped")}
            </Alert>
          )}
          {copy.isPending && progress && (
            <Text size="sm" c="dimmed" data-testid="shared-progress">
              {t("sharedStore.progress", { table: tableName(progress.table), done: progress.done.toLocaleString(lang), total: progress.total.toLocaleString(lang) })}
            </Text>
          )}
        </Stack>
      </form>
      {/* The schedule's own failure; without a schedule a copy's error shows where it was asked. */}
      {view?.last_error && view.last_error.code !== "shared_copy_stopped" && (view.settings.every !== "off" || reading) && !actionError && !copy.data && (
        <ErrorAlert error={view.last_error} title={t(reading ? "sharedStore.refreshFailed" : "sharedStore.lastFailed", { at: when(view.last_attempt_at) })} testId="shared-last-error" />
      )}
      {actionError && <ErrorAlert error={actionError} testId="shared-error" />}
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
