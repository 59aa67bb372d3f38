import { Alert, Badge, Button, Group, Modal, Paper, PasswordInput, Select, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconAlertTriangle, IconLock, IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, DEFAULT_BASE_URL, type ConnectionReport, type Mode, type ProfileEntry } from "../../bindings";
import { useApp } from "../../AppContext";
import { ModeBadge } from "../../layout/ModeBadge";
import { errorText, toIpcError } from "../../lib/errors";

interface Draft {
  id: string | null;
  name: string;
  mode: Mode;
  base_url: string;
  tier: string;
  default_pg: string;
  time_zone: string;
  read_only: boolean;
  /** The role as stored: lifting it needs the passphrase typed with the change. */
  was_read_only: boolean;
  passphrase: string;
  imp_key: string;
  imp_secret: string;
}

const EMPTY: Draft = { id: null, name: "", mode: "test", base_url: DEFAULT_BASE_URL, tier: "", default_pg: "", time_zone: "Asia/Seoul", read_only: false, was_read_only: false, passphrase: "", imp_key: "", imp_secret: "" };

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
  const [entries, setEntries] = useState<ProfileEntry[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [keysFor, setKeysFor] = useState<ProfileEntry | null>(null);
  const [keys, setKeys] = useState({ imp_key: "", imp_secret: "" });
  const [removing, setRemoving] = useState<ProfileEntry | null>(null);
  const [reports, setReports] = useState<Record<string, ConnectionReport | string>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [urlError, setUrlError] = useState<string | null>(null);
  const fail = useCallback((e: unknown) => notifications.show({ color: "red", message: errorText(t, e) }), [t]);

  const load = useCallback(() => {
    commands.listProfiles().then(setEntries).catch(fail);
  }, [fail]);
  useEffect(load, [load]);

  const saveDraft = async () => {
    if (!draft) return;
    setFormError(null);
    setUrlError(null);
    const lifting = draft.id !== null && draft.was_read_only && !draft.read_only && lock.enabled;
    const input = {
      name: draft.name,
      mode: draft.mode,
      base_url: draft.base_url.trim() || null,
      tier: draft.tier.trim() || null,
      default_pg: draft.default_pg.trim() || null,
      time_zone: draft.time_zone,
      read_only: draft.read_only,
    };
    try {
      // Rust decides whether the passphrase is needed and right; an empty field sends none.
      if (draft.id) await commands.updateProfile(draft.id, input, lifting && draft.passphrase !== "" ? draft.passphrase : null);
      else {
        const withKeys = draft.imp_key.trim() !== "" || draft.imp_secret.trim() !== "";
        await commands.addProfile(input, withKeys ? draft.imp_key : null, withKeys ? draft.imp_secret : null);
      }
      setDraft(null);
      load();
      await refresh();
    } catch (e) {
      // An address problem shows under the address, in words that say what to fix.
      if (toIpcError(e).code === "invalid_base_url") setUrlError(errorText(t, e));
      else setFormError(errorText(t, e));
    } finally {
      // Secrets never stay in the UI's state.
      setDraft((d) => (d ? { ...d, imp_secret: "", passphrase: "" } : d));
    }
  };

  const saveKeys = async () => {
    if (!keysFor) return;
    const { imp_key, imp_secret } = keys;
    setKeys({ imp_key: "", imp_secret: "" });
    try {
      await commands.saveCredentials(keysFor.profile.id, imp_key, imp_secret);
      notifications.show({ color: "green", message: t("profiles.credentialsSaved") });
      setKeysFor(null);
      load();
      await refresh();
    } catch (e) {
      fail(e);
      // A profile that became active but could not be opened (a damaged database) shows
      // why, with what can be done, in the shell.
      load();
      await refresh();
    }
  };

  const test = async (id: string) => {
    setTesting(id);
    try {
      const report = await commands.testConnection(id);
      setReports((r) => ({ ...r, [id]: report }));
    } catch (e) {
      setReports((r) => ({ ...r, [id]: errorText(t, e) }));
    } finally {
      setTesting(null);
    }
  };

  const switchTo = async (entry: ProfileEntry) => {
    try {
      await commands.switchProfile(entry.profile.id);
      notifications.show({ color: "blue", message: t("profiles.switched", { name: entry.profile.name }) });
      load();
      await refresh();
    } catch (e) {
      fail(e);
      // A profile that became active but could not be opened (a damaged database) shows
      // why, with what can be done, in the shell.
      load();
      await refresh();
    }
  };

  const remove = async () => {
    if (!removing) return;
    try {
      await commands.removeProfile(removing.profile.id);
      setRemoving(null);
      load();
      await refresh();
    } catch (e) {
      fail(e);
      // A profile that became active but could not be opened (a damaged database) shows
      // why, with what can be done, in the shell.
      load();
      await refresh();
    }
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="profiles-section">
      <Group justify="space-between" mb={4}>
        <Title order={5}>{t("profiles.title")}</Title>
        <Button size="xs" leftSection={<IconPlus size={14} />} disabled={lock.locked} onClick={() => setDraft({ ...EMPTY })} data-testid="add-profile">
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
                  <Button size="compact-xs" variant="light" leftSection={<IconPlugConnected size={14} />} loading={testing === e.profile.id} onClick={() => void test(e.profile.id)}>
                    {t("profiles.testConnection")}
                  </Button>
                  {!e.active && (
                    <Button size="compact-xs" variant="light" onClick={() => void switchTo(e)} data-testid={`switch-${e.profile.id}`}>
                      {t("profiles.switchTo")}
                    </Button>
                  )}
                  {e.profile.mode !== "sandbox" && (
                    <>
                      <Button size="compact-xs" variant="subtle" disabled={lock.locked} onClick={() => setKeysFor(e)}>
                        {t("profiles.replaceCredentials")}
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        disabled={lock.locked}
                        data-testid={`edit-${e.profile.id}`}
                        onClick={() =>
                          setDraft({
                            ...EMPTY,
                            id: e.profile.id,
                            name: e.profile.name,
                            mode: e.profile.mode,
                            base_url: e.profile.base_url,
                            tier: e.profile.tier ?? "",
                            default_pg: e.profile.default_pg ?? "",
                            time_zone: e.profile.time_zone,
                            read_only: e.profile.read_only,
                            was_read_only: e.profile.read_only,
                          })
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
              {typeof report === "string" && (
                <Text size="sm" c="red" mt={6} data-testid="connection-error">
                  {report}
                </Text>
              )}
              {report && typeof report !== "string" && (
                <Stack gap={4} mt={6} data-testid="connection-report">
                  <Text size="sm" c="green">
                    {t("profiles.connectionOk", { count: report.channels.length })}
                  </Text>
                  <Table withRowBorders={false} verticalSpacing={2} fz="xs">
                    <Table.Tbody>
                      {report.channels.map((c) => (
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

      <Modal
        opened={draft !== null}
        onClose={() => {
          setDraft(null);
          setFormError(null);
          setUrlError(null);
        }}
        title={draft?.id ? t("profiles.edit") : t("profiles.add")}
        size="lg"
      >
        {draft && (
          <Stack>
            <TextInput label={t("profiles.name")} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} data-testid="profile-name" withAsterisk />
            <Select
              label={t("profiles.mode")}
              disabled={draft.id !== null}
              allowDeselect={false}
              value={draft.mode}
              onChange={(v) => setDraft({ ...draft, mode: (v as Mode | null) ?? "test" })}
              data={[
                { value: "test", label: t("profiles.modeTest") },
                { value: "live", label: t("profiles.modeLive") },
              ]}
              data-testid="profile-mode"
            />
            <TextInput
              label={t("profiles.baseUrl")}
              description={t("profiles.baseUrlHelp")}
              placeholder={DEFAULT_BASE_URL}
              value={draft.base_url}
              error={urlError}
              onChange={(e) => {
                setUrlError(null);
                setDraft({ ...draft, base_url: e.currentTarget.value });
              }}
              data-testid="profile-base-url"
            />
            {customAddress(draft.base_url) && (
              <Alert color="orange" icon={<IconAlertTriangle size={16} />} p="xs" data-testid="custom-address-warning">
                <Text size="sm">{t("profiles.customAddressWarning", { url: customAddress(draft.base_url) })}</Text>
              </Alert>
            )}
            <Group grow>
              <TextInput label={t("profiles.tier")} description={t("profiles.tierHelp")} value={draft.tier} maxLength={3} onChange={(e) => setDraft({ ...draft, tier: e.currentTarget.value.toUpperCase() })} />
              <TextInput label={t("profiles.defaultPg")} value={draft.default_pg} onChange={(e) => setDraft({ ...draft, default_pg: e.currentTarget.value })} placeholder="nice.MID" />
            </Group>
            <Select label={t("profiles.timeZone")} value={draft.time_zone} data={settings.time_zones} allowDeselect={false} onChange={(v) => setDraft({ ...draft, time_zone: v ?? "Asia/Seoul" })} />
            <Switch
              label={t("profiles.readOnly")}
              description={lock.enabled || draft.was_read_only ? t("profiles.readOnlyHelp") : t("profiles.readOnlyNeedsLock")}
              // Rust refuses the role without a passphrase (it would protect nothing).
              disabled={!lock.enabled && !draft.was_read_only}
              checked={draft.read_only}
              onChange={(e) => setDraft({ ...draft, read_only: e.currentTarget.checked })}
              data-testid="profile-read-only"
            />
            {draft.id !== null && draft.was_read_only && !draft.read_only && lock.enabled && (
              <PasswordInput
                label={t("profiles.liftPassphrase")}
                description={t("profiles.liftHelp")}
                value={draft.passphrase}
                onChange={(e) => setDraft({ ...draft, passphrase: e.currentTarget.value })}
                autoComplete="off"
                withAsterisk
                data-testid="profile-lift-passphrase"
              />
            )}
            {draft.id === null && (
              <>
                <TextInput label={t("profiles.impKey")} value={draft.imp_key} onChange={(e) => setDraft({ ...draft, imp_key: e.currentTarget.value })} autoComplete="off" data-testid="profile-imp-key" />
                <PasswordInput
                  label={t("profiles.impSecret")}
                  description={t("profiles.secretHelp")}
                  value={draft.imp_secret}
                  onChange={(e) => setDraft({ ...draft, imp_secret: e.currentTarget.value })}
                  autoComplete="off"
                  data-testid="profile-imp-secret"
                />
              </>
            )}
            {formError && (
              <Alert color="red" data-testid="profile-error">
                {formError}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDraft(null)}>
                {t("profiles.cancel")}
              </Button>
              <Button onClick={() => void saveDraft()} data-testid="profile-save">
                {t("profiles.save")}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>

      <Modal opened={keysFor !== null} onClose={() => setKeysFor(null)} title={t("profiles.replaceCredentials")}>
        <Stack>
          <TextInput label={t("profiles.impKey")} value={keys.imp_key} onChange={(e) => setKeys({ ...keys, imp_key: e.currentTarget.value })} autoComplete="off" />
          <PasswordInput label={t("profiles.impSecret")} description={t("profiles.secretHelp")} value={keys.imp_secret} onChange={(e) => setKeys({ ...keys, imp_secret: e.currentTarget.value })} autoComplete="off" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setKeysFor(null)}>
              {t("profiles.cancel")}
            </Button>
            <Button onClick={() => void saveKeys()}>{t("profiles.saveCredentials")}</Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={removing !== null} onClose={() => setRemoving(null)} title={t("profiles.removeTitle")}>
        <Stack>
          <Text size="sm">{t("profiles.removeBody", { name: removing?.profile.name ?? "" })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRemoving(null)}>
              {t("profiles.cancel")}
            </Button>
            <Button color="red" onClick={() => void remove()}>
              {t("profiles.remove")}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
