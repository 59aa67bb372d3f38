import { Box, Button, Group, PasswordInput, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { commands, type IpcError, type Recovery } from "../bindings";
import { useApp } from "../AppContext";
import { ErrorAlert } from "../components/ErrorAlert";
import { required } from "../lib/forms";
import { call } from "../lib/ipc";

/**
 * Why the active profile could not be opened. A damaged database is not a dead end: the
 * latest backup, or an empty database, takes its place (the damaged file is kept). Nor is
 * the app lock: the passphrase is asked for right here, so a locked app can always be
 * unlocked (the commands this needs pass the lock in Rust).
 */
export function SessionErrorAlert({ error }: { error: IpcError }) {
  const { t } = useTranslation();
  const { refresh } = useApp();
  const damaged = error.code === "db_corrupt";
  const locked = error.code === "app_locked";
  const details = error.details as { latest_backup?: string | null } | null;
  const backup = details?.latest_backup ?? null;

  const recover = useMutation({
    mutationFn: (how: Recovery) => call(commands.recoverDatabase(how)),
    meta: { inlineError: true },
    onSuccess: async () => {
      notifications.show({ color: "green", message: t("profiles.recovered") });
      await refresh();
    },
  });

  const form = useForm({ initialValues: { passphrase: "" }, validate: { passphrase: required(t) } });
  const unlock = useMutation({
    mutationFn: (passphrase: string) => call(commands.unlockApp(passphrase)),
    meta: { inlineError: true },
    onSuccess: () => refresh(),
    // The passphrase never stays in the UI's state.
    onSettled: () => form.setValues({ passphrase: "" }),
  });

  return (
    <Box mb="md">
      <ErrorAlert error={error} color={locked ? "orange" : "red"} title={t("profiles.sessionErrorTitle")} testId="session-error">
        {locked && (
          <form onSubmit={form.onSubmit(({ passphrase }) => unlock.mutate(passphrase))}>
            <Text size="sm" mb={6}>
              {t("profiles.lockedSessionHint")}
            </Text>
            <Group align="flex-end" gap="xs">
              <PasswordInput size="xs" w={260} label={t("profiles.passphrase")} {...form.getInputProps("passphrase")} autoComplete="off" data-testid="unlock-passphrase" />
              <Button size="xs" type="submit" loading={unlock.isPending} disabled={form.values.passphrase === ""} data-testid="unlock-here">
                {t("profiles.unlock")}
              </Button>
            </Group>
            {unlock.error && (
              <Stack mt={6}>
                <ErrorAlert error={unlock.error} testId="unlock-error" />
              </Stack>
            )}
          </form>
        )}
        {damaged && (
          <Stack gap="xs">
            <Text size="sm">
              {backup ? null : `${t("profiles.recoverNoBackup")} `}
              {t("profiles.recoverHint")}
            </Text>
            <Group gap="xs">
              {backup && (
                <Button size="xs" color="red" loading={recover.isPending && recover.variables === "latest_backup"} disabled={recover.isPending} onClick={() => recover.mutate("latest_backup")} data-testid="recover-backup">
                  {t("profiles.recoverBackup", { name: backup })}
                </Button>
              )}
              <Button size="xs" variant={backup ? "default" : "filled"} color="red" loading={recover.isPending && recover.variables === "empty"} disabled={recover.isPending} onClick={() => recover.mutate("empty")} data-testid="recover-empty">
                {t("profiles.recoverEmpty")}
              </Button>
            </Group>
            {recover.error && <ErrorAlert error={recover.error} testId="recover-error" />}
          </Stack>
        )}
      </ErrorAlert>
    </Box>
  );
}
