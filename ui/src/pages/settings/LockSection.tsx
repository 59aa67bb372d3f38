import { Badge, Button, Checkbox, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type LockSettings } from "../../bindings";
import { useApp } from "../../AppContext";
import { errorText } from "../../lib/errors";

/** The optional app lock: an argon2-hashed passphrase guarding live profiles and money. */
export function LockSection() {
  const { t } = useTranslation();
  const { status, refresh } = useApp();
  const lock = status.lock;
  const [passphrase, setPassphrase] = useState("");
  const [current, setCurrent] = useState("");

  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      await refresh();
    } catch (e) {
      notifications.show({ color: "red", message: errorText(t, e) });
    } finally {
      // Passphrases never stay in the UI's state.
      setPassphrase("");
      setCurrent("");
    }
  };
  const setGuard = (key: keyof LockSettings, value: boolean) => void run(() => commands.setLockSettings({ ...lock.settings, [key]: value }));

  return (
    <Paper withBorder p="md" radius="md" data-testid="lock-section">
      <Group justify="space-between" mb={4}>
        <Title order={5}>{t("profiles.lockTitle")}</Title>
        <Badge color={lock.enabled ? (lock.locked ? "red" : "green") : "gray"} data-testid="lock-state">
          {lock.enabled ? (lock.locked ? t("profiles.locked") : t("profiles.unlocked")) : t("profiles.lockDisabled")}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        {t("profiles.lockDescription")}
      </Text>
      {lock.enabled && lock.locked ? (
        <Group align="flex-end">
          <PasswordInput label={t("profiles.passphrase")} value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} w={260} />
          <Button onClick={() => void run(() => commands.unlockApp(passphrase))}>{t("profiles.unlock")}</Button>
        </Group>
      ) : (
        <Stack gap="sm">
          <Group align="flex-end">
            {lock.enabled && <PasswordInput label={t("profiles.currentPassphrase")} value={current} onChange={(e) => setCurrent(e.currentTarget.value)} w={220} />}
            <PasswordInput label={t("profiles.newPassphrase")} value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} w={220} />
            <Button variant="light" disabled={passphrase === ""} onClick={() => void run(() => commands.setPassphrase(passphrase, lock.enabled ? current : null))}>
              {t("profiles.setPassphrase")}
            </Button>
          </Group>
          {lock.enabled && (
            <Group>
              <Button variant="default" onClick={() => void run(() => commands.lockApp())}>
                {t("profiles.lockNow")}
              </Button>
              <Button variant="subtle" color="red" disabled={current === ""} onClick={() => void run(() => commands.clearPassphrase(current))}>
                {t("profiles.clearPassphrase")}
              </Button>
            </Group>
          )}
          {lock.enabled && (
            <Stack gap={4}>
              <Checkbox label={t("profiles.guardLive")} checked={lock.settings.open_live_profile} onChange={(e) => setGuard("open_live_profile", e.currentTarget.checked)} />
              <Checkbox label={t("profiles.guardMoney")} checked={lock.settings.move_money} onChange={(e) => setGuard("move_money", e.currentTarget.checked)} />
              <Checkbox label={t("profiles.guardMutate")} checked={lock.settings.mutate} onChange={(e) => setGuard("mutate", e.currentTarget.checked)} />
            </Stack>
          )}
        </Stack>
      )}
    </Paper>
  );
}
