import { Alert, Badge, Button, Group, Modal, Paper, PasswordInput, Select, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconLock, IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, DEFAULT_BASE_URL, type ConnectionReport, type Mode, type ProfileEntry, type ProfileInput } from "../../bindings";
import { useApp } from "../../AppContext";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ModeBadge } from "../../layout/ModeBadge";
import { formError, required, showRustFieldErrors } from "../../lib/forms";
import { call } from "../../lib/ipc";
import { useSwitchProfile } from "../../lib/mutations";
import { notifyError } from "../../lib/notify";
import { profilesQuery } from "../../lib/queries";

interface DraftValues {
  name: string;
  mode: Mode;
  base_url: string;
  tier: string;
  default_pg: string;
  time_zone: string;
  read_only: boolean;
  passphrase: string;
  imp_key: string;
  imp_secret: string;
}

/** Which profile the form edits (null: a new one), and its role as stored. */
interface Editing {
  id: string | null;
  /** Lifting a stored read-only role needs the passphrase typed with the change. */
  was_read_only: boolean;
}

const EMPTY: DraftValues = { name: "", mode: "test", base_url: DEFAULT_BASE_URL, tier: "", default_pg: "", time_zone: "Asia/Seoul", read_only: false, passphrase: "", imp_key: "", imp_secret: "" };

/**
 * The profile form's fields Rust names in a refusal. The lift passphrase is not one of
 * them: a missing or wrong app-lock passphrase is said above the form's buttons, where
 * it is read together with the change it refused.
 */
const PROFILE_FIELDS = ["name", "mode", "base_url", "tier", "default_pg", "time_zone", "read_only", "imp_key", "imp_secret"] as const;

/** An address typed into the form that is not i'mport's (empty means i'mport's), as Rust compares them. */
function customAddress(url: string): string | null {
  const normal = url.trim().replace(/\/+$/, "");
  return normal === "" || normal === DEFAULT_BASE_URL ? null : normal;
}

/** Profiles: list, add, edit, replace keys, test the connection, remove, switch. */
export function ProfilesSection() {
  const { t } = useTranslation();
  const { settings, status, refresh } = useApp();
  const lock = status.lock;
  const list = useQuery(profilesQuery());
  const entries = list.data ?? [];
  const [editing, setEditing] = useState<Editing | null>(null);
  const [keysFor, setKeysFor] = useState<ProfileEntry | null>(null);
  const [removing, setRemoving] = useState<ProfileEntry | null>(null);
  const [reports, setReports] = useState<Record<string, { report: ConnectionReport } | { error: unknown }>>({});

  const draft = useForm<DraftValues>({ initialValues: EMPTY, validate: { name: required(t) } });
  const values = draft.values;
  const lifting = editing !== null && editing.id !== null && editing.was_read_only && !values.read_only && lock.enabled;
  const openDraft = (next: Editing, initial: DraftValues) => {
    draft.setValues(initial);
    draft.resetDirty(initial);
    draft.clearErrors();
    save.reset();
    setEditing(next);
  };
  const closeDraft = () => {
    setEditing(null);
    draft.setValues(EMPTY);
  };

  const save = useMutation({
    mutationFn: async ({ id, v, liftWith }: { id: string | null; v: DraftValues; liftWith: string | null }) => {
      const input: ProfileInput = {
        name: v.name,
        mode: v.mode,
        base_url: v.base_url.trim() || null,
        tier: v.tier.trim() || null,
        default_pg: v.default_pg.trim() || null,
        time_zone: v.time_zone,
        read_only: v.read_only,
      };
      if (id) return call(commands.updateProfile(id, input, liftWith));
      const withKeys = v.imp_key.trim() !== "" || v.imp_secret.trim() !== "";
      return call(commands.addProfile(input, withKeys ? v.imp_key : null, withKeys ? v.imp_secret : null));
    },
    meta: { inlineError: true },
    onSuccess: async () => {
      closeDraft();
      await refresh();
    },
    // An address problem shows under the address, in words that say what to fix.
    onError: (e) => showRustFieldErrors(draft, e, t, { fields: PROFILE_FIELDS }),
    // Secrets never stay in the UI's state.
    onSettled: () => {
      draft.setFieldValue("imp_secret", "");
      draft.setFieldValue("passphrase", "");
    },
  });
  const saveError = formError(draft, save.error, { fields: PROFILE_FIELDS });

  const keys = useForm({ initialValues: { imp_key: "", imp_secret: "" }, validate: { imp_key: required(t), imp_secret: required(t) } });
  const saveKeys = useMutation({
    mutationFn: ({ id, imp_key, imp_secret }: { id: string; imp_key: string; imp_secret: string }) => call(commands.saveCredentials(id, imp_key, imp_secret)),
    meta: { inlineError: true },
    onMutate: () => keys.setValues({ imp_key: "", imp_secret: "" }),
    onSuccess: () => {
      notifications.show({ color: "green", message: t("profiles.credentialsSaved") });
      setKeysFor(null);
    },
    onError: (e) => {
      if (!showRustFieldErrors(keys, e, t)) notifyError(e);
    },
    // A profile that became active but could not be opened (a damaged database) shows
    // why, with what can be done, in the shell.
    onSettled: () => refresh(),
  });

  const test = useMutation({
    mutationFn: (id: string) => call(commands.testConnection(id)),
    meta: { inlineError: true },
    onSuccess: (report, id) => setReports((r) => ({ ...r, [id]: { report } })),
    onError: (error, id) => setReports((r) => ({ ...r, [id]: { error } })),
  });
  const testing = test.isPending ? test.variables : null;

  const switchTo = useSwitchProfile();

  const remove = useMutation({
    mutationFn: (id: string) => call(commands.removeProfile(id)),
    onSuccess: () => setRemoving(null),
    onSettled: () => refresh(),
  });

  return (
    <Paper withBorder p="md" radius="md" data-testid="profiles-section">
      <Group justify="space-between" mb={4}>
        <Title order={5}>{t("profiles.title")}</Title>
        <Button size="xs" leftSection={<IconPlus size={14} />} disabled={lock.locked} onClick={() => openDraft({ id: null, was_read_only: false }, EMPTY)} data-testid="add-profile">
          {t("profiles.add")}
        </Button>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {t("profiles.description")}
      </Text>
      {lock.locked && (
        <Alert color="gray" icon={<IconLock size={16} />} mb="sm" data-testid="profiles-locked">
          {t("profiles.adminLocked")}
        </Alert>
      )}
      {list.error && <ErrorAlert error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} testId="profiles-error" />}
      <Stack gap="sm">
        {entries.map((e) => {
          const report = reports[e.profile.id];
          return (
            <Paper key={e.profile.id} withBorder p="sm" data-testid={`profile-${e.profile.id}`} data-name={e.profile.name}>
              <Group justify="space-between" wrap="nowrap">
                <Group gap="xs">
                  <Text fw={600}>{e.profile.name}</Text>
                  <ModeBadge mode={e.profile.mode} />
                  {e.profile.read_only && <Badge size="sm" color="gray">{t("profiles.readOnly")}</Badge>}
                  {e.active && <Badge size="sm" variant="outline">{t("profiles.active")}</Badge>}
                  {e.custom_address && (
                    <Badge size="sm" color="orange" variant="light" title={e.profile.base_url} data-testid="custom-address">
                      {t("profiles.customAddress")}
                    </Badge>
                  )}
                  <Text size="xs" c={e.credentials.imp_key_set && e.credentials.imp_secret_set ? "dimmed" : "orange"}>
                    {e.profile.mode === "sandbox"
                      ? t("profiles.sandboxCreds")
                      : e.credentials.imp_key_set && e.credentials.imp_secret_set
                        ? t("profiles.credentialsSet")
                        : t("profiles.credentialsMissing")}
                  </Text>
                </Group>
                <Group gap={6} wrap="nowrap">
                  <Button size="compact-xs" variant="light" leftSection={<IconPlugConnected size={14} />} loading={testing === e.profile.id} onClick={() => test.mutate(e.profile.id)}>
                    {t("profiles.testConnection")}
                  </Button>
                  {!e.active && (
                    <Button size="compact-xs" variant="light" onClick={() => switchTo.mutate({ id: e.profile.id, name: e.profile.name })} data-testid={`switch-${e.profile.id}`}>
                      {t("profiles.switchTo")}
                    </Button>
                  )}
                  {e.profile.mode !== "sandbox" && (
                    <>
                      <Button size="compact-xs" variant="subtle" disabled={lock.locked}
                        onClick={() => {
                          keys.reset();
                          setKeysFor(e);
                        }}
                      >
                        {t("profiles.replaceCredentials")}
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        disabled={lock.locked}
                        data-testid={`edit-${e.profile.id}`}
                        onClick={() =>
                          openDraft(
                            { id: e.profile.id, was_read_only: e.profile.read_only },
                            {
                              ...EMPTY,
                              name: e.profile.name,
                              mode: e.profile.mode,
                              base_url: e.profile.base_url,
                              tier: e.profile.tier ?? "",
                              default_pg: e.profile.default_pg ?? "",
                              time_zone: e.profile.time_zone,
                              read_only: e.profile.read_only,
                            },
                          )
                        }
                      >
                        {t("profiles.edit")}
                      </Button>
                      <Button size="compact-xs" variant="subtle" color="red" disabled={lock.locked} onClick={() => setRemoving(e)}>
                        {t("profiles.remove")}
                      </Button>
                    </>
                  )}
                </Group>
              </Group>
              {report && "error" in report && (
                <Stack mt={6}>
                  <ErrorAlert error={report.error} testId="connection-error" />
                </Stack>
              )}
              {report && "report" in report && (
                <Stack gap={4} mt={6} data-testid="connection-report">
                  <Text size="sm" c="green">
                    {t("profiles.connectionOk", { count: report.report.channels.length })}
                  </Text>
                  <Table withRowBorders={false} verticalSpacing={2} fz="xs">
                    <Table.Tbody>
                      {report.report.channels.map((c) => (
                        <Table.Tr key={`${c.pg_provider}.${c.pg_id}`}>
                          <Table.Td ff="monospace">{`${c.pg_provider}.${c.pg_id}`}</Table.Td>
                          <Table.Td>{c.channel_name ?? ""}</Table.Td>
                          <Table.Td>{c.billing ? t("profiles.channelBilling") : c.type === "payment" ? t("profiles.channelPayment") : t("profiles.channelOther")}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Stack>
              )}
            </Paper>
          );
        })}
      </Stack>


      <Modal opened={editing !== null} onClose={closeDraft} title={editing?.id ? t("profiles.edit") : t("profiles.add")} size="lg">
        {editing && (
          <form onSubmit={draft.onSubmit((v) => save.mutate({ id: editing.id, v, liftWith: lifting && v.passphrase !== "" ? v.passphrase : null }))}>
            <Stack>
              <TextInput label={t("profiles.name")} {...draft.getInputProps("name")} data-testid="profile-name" withAsterisk />
              <Select
                label={t("profiles.mode")}
                disabled={editing.id !== null}
                allowDeselect={false}
                {...draft.getInputProps("mode")}
                data={[
                  { value: "test", label: t("profiles.modeTest") },
                  { value: "live", label: t("profiles.modeLive") },
                ]}
                data-testid="profile-mode"
              />
              <TextInput label={t("profiles.baseUrl")} description={t("profiles.baseUrlHelp")} placeholder={DEFAULT_BASE_URL} {...draft.getInputProps("base_url")} data-testid="profile-base-url" />
              {customAddress(values.base_url) && (
                <Alert color="orange" icon={<IconAlertTriangle size={16} />} p="xs" data-testid="custom-address-warning">
                  <Text size="sm">{t("profiles.customAddressWarning", { url: customAddress(values.base_url) })}</Text>
                </Alert>
              )}
              <Group grow align="flex-start">
                <TextInput
                  label={t("profiles.tier")}
                  description={t("profiles.tierHelp")}
                  maxLength={3}
                  {...draft.getInputProps("tier")}
                  onChange={(e) => draft.setFieldValue("tier", e.currentTarget.value.toUpperCase())}
                  data-testid="profile-tier"
                />
                <TextInput label={t("profiles.defaultPg")} {...draft.getInputProps("default_pg")} placeholder="nice.MID" data-testid="profile-default-pg" />
              </Group>
              <Select label={t("profiles.timeZone")} data={settings.time_zones} allowDeselect={false} {...draft.getInputProps("time_zone")} />
              <Switch
                label={t("profiles.readOnly")}
                description={lock.enabled || editing.was_read_only ? t("profiles.readOnlyHelp") : t("profiles.readOnlyNeedsLock")}
                // Rust refuses the role without a passphrase (it would protect nothing).
                disabled={!lock.enabled && !editing.was_read_only}
                {...draft.getInputProps("read_only", { type: "checkbox" })}
                data-testid="profile-read-only"
              />
              {lifting && (
                <PasswordInput
                  label={t("profiles.liftPassphrase")}
                  description={t("profiles.liftHelp")}
                  {...draft.getInputProps("passphrase")}
                  autoComplete="off"
                  withAsterisk
                  data-testid="profile-lift-passphrase"
                />
              )}
              {editing.id === null && (
                <>
                  <TextInput label={t("profiles.impKey")} {...draft.getInputProps("imp_key")} autoComplete="off" data-testid="profile-imp-key" />
                  <PasswordInput label={t("profiles.impSecret")} description={t("profiles.secretHelp")} {...draft.getInputProps("imp_secret")} autoComplete="off" data-testid="profile-imp-secret" />
                </>
              )}
              {saveError !== null && <ErrorAlert error={saveError} testId="profile-error" />}
              <Group justify="flex-end">
                <Button variant="default" onClick={closeDraft}>
                  {t("profiles.cancel")}
                </Button>
                <Button type="submit" loading={save.isPending} data-testid="profile-save">
                  {t("profiles.save")}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>

      <Modal opened={keysFor !== null} onClose={() => setKeysFor(null)} title={t("profiles.replaceCredentials")}>
        {keysFor && (
          <form onSubmit={keys.onSubmit((v) => saveKeys.mutate({ id: keysFor.profile.id, ...v }))}>
            <Stack>
              <TextInput label={t("profiles.impKey")} {...keys.getInputProps("imp_key")} autoComplete="off" data-testid="keys-imp-key" />
              <PasswordInput label={t("profiles.impSecret")} description={t("profiles.secretHelp")} {...keys.getInputProps("imp_secret")} autoComplete="off" data-testid="keys-imp-secret" />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setKeysFor(null)}>
                  {t("profiles.cancel")}
                </Button>
                <Button type="submit" loading={saveKeys.isPending}>
                  {t("profiles.saveCredentials")}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>

      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t("profiles.removeTitle")}>
        <Stack>
          <Text size="sm">{t("profiles.removeBody", { name: removing?.profile.name ?? "" })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              {t("profiles.cancel")}
            </Button>
            <Button color="red" loading={remove.isPending} onClick={() => removing && remove.mutate(removing.profile.id)}>
              {t("profiles.remove")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
