import { Badge, Button, Checkbox, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type LockSettings } from "../../bindings";
import { useApp } from "../../AppContext";
import { call } from "../../lib/ipc";

/** The optional app lock: an argon2-hashed passphrase guarding live profiles and money. */
export function LockSection() {
  const { t } = useTranslation();
  const { status, refresh } = useApp();
  const lock = status.lock;
  const form = useForm({ initialValues: { passphrase: "", current: "" } });
  const { passphrase, current } = form.values;

  // Every lock action ends by asking Rust again: what the lock guards changes every screen.
  const run = useMutation({
    mutationFn: (action: () => Promise<unknown>) => call(action()),
    onSuccess: () => refresh(),
    // Passphrases never stay in the UI's state.
    onSettled: () => form.reset(),
  });
  const act = (action: () => Promise<unknown>) => run.mutate(action);
  const setGuard = (key: keyof LockSettings, value: boolean) => act(() => commands.setLockSettings({ ...lock.settings, [key]: value }));

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
          <PasswordInput label={t("profiles.passphrase")} {...form.getInputProps("passphrase")} w={260} />
          <Button loading={run.isPending} onClick={() => act(() => commands.unlockApp(passphrase))}>
            {t("profiles.unlock")}
          </Button>
        </Group>
      ) : (
        <Stack gap="sm">
          <Group align="flex-end">
            {lock.enabled && <PasswordInput label={t("profiles.currentPassphrase")} {...form.getInputProps("current")} w={220} />}
            <PasswordInput label={t("profiles.newPassphrase")} {...form.getInputProps("passphrase")} w={220} />
            <Button variant="light" disabled={passphrase === ""} loading={run.isPending} onClick={() => act(() => commands.setPassphrase(passphrase, lock.enabled ? current : null))}>
              {t("profiles.setPassphrase")}
            </Button>
          </Group>
          {lock.enabled && (
            <Group>
              <Button variant="default" onClick={() => act(() => commands.lockApp())}>
                {t("profiles.lockNow")}
              </Button>
              <Button variant="subtle" color="red" disabled={current === ""} onClick={() => act(() => commands.clearPassphrase(current))}>
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
