import { Alert, Button, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type IpcError, type Recovery } from "../bindings";
import { useApp } from "../AppContext";
import { errorText } from "../lib/errors";

/**
 * Why the active profile could not be opened. A damaged database is not a dead end: the
 * latest backup, or an empty database, takes its place (the damaged file is kept). Nor is
 * the app lock: the passphrase is asked for right here, so a locked app can always be
 * unlocked (the commands this needs pass the lock in Rust).
 */
export function SessionErrorAlert({ error }: { error: IpcError }) {
  const { t } = useTranslation();
  const { refresh } = useApp();
  const [busy, setBusy] = useState<Recovery | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [unlocking, setUnlocking] = useState(false);
  const damaged = error.code === "db_corrupt";
  const locked = error.code === "app_locked";
  const details = error.details as { latest_backup?: string | null } | null;
  const backup = details?.latest_backup ?? null;

  const recover = async (how: Recovery) => {
    setBusy(how);
    setFailure(null);
    try {
      await commands.recoverDatabase(how);
      notifications.show({ color: "green", message: t("profiles.recovered") });
      await refresh();
    } catch (e) {
      setFailure(errorText(t, e));
    } finally {
      setBusy(null);
    }
  };

  const unlock = async () => {
    setUnlocking(true);
    setFailure(null);
    try {
      await commands.unlockApp(passphrase);
      await refresh();
    } catch (e) {
      setFailure(errorText(t, e));
    } finally {
      // The passphrase never stays in the UI's state.
      setPassphrase("");
      setUnlocking(false);
    }
  };

  return (
    <Alert color={locked ? "orange" : "red"} mb="md" title={t("profiles.sessionErrorTitle")} data-testid="session-error">
      <Stack gap="xs">
        <Text size="sm">{errorText(t, error)}</Text>
        {locked && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void unlock();
            }}
          >
            <Text size="sm" mb={6}>
              {t("profiles.lockedSessionHint")}
            </Text>
            <Group align="flex-end" gap="xs">
              <PasswordInput size="xs" w={260} label={t("profiles.passphrase")} value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} autoComplete="off" data-testid="unlock-passphrase" />
              <Button size="xs" type="submit" loading={unlocking} disabled={passphrase === ""} data-testid="unlock-here">
                {t("profiles.unlock")}
              </Button>
            </Group>
            {failure && (
              <Text size="sm" c="red" mt={6} data-testid="unlock-error">
                {failure}
              </Text>
            )}
          </form>
        )}
        {damaged && (
          <>
            <Text size="sm">
              {backup ? null : `${t("profiles.recoverNoBackup")} `}
              {t("profiles.recoverHint")}
            </Text>
            <Group gap="xs">
              {backup && (
                <Button size="xs" color="red" loading={busy === "latest_backup"} disabled={busy !== null} onClick={() => void recover("latest_backup")} data-testid="recover-backup">
                  {t("profiles.recoverBackup", { name: backup })}
                </Button>
              )}
              <Button size="xs" variant={backup ? "default" : "filled"} color="red" loading={busy === "empty"} disabled={busy !== null} onClick={() => void recover("empty")} data-testid="recover-empty">
                {t("profiles.recoverEmpty")}
              </Button>
            </Group>
            {failure && (
              <Text size="sm" c="red" data-testid="recover-error">
                {failure}
              </Text>
            )}
          </>
        )}
      </Stack>
    </Alert>
  );
}
