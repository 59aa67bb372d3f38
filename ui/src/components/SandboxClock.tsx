import { Button, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconClockPlay } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useTranslation } from "react-i18next";
import { commands, type ClockStep, type SyncProgress } from "../bindings";
import { useApp } from "../AppContext";
import { formatDateTime } from "../lib/format";
import { call } from "../lib/ipc";
import { invalidate, keys } from "../lib/queries";
import { ErrorAlert } from "./ErrorAlert";

const STEPS: ClockStep[] = ["day", "week", "month"];

/**
 * The sandbox's clock, moved forward as a test clock is: what was scheduled runs, then
 * the store is synced so every list shows it. Only on the sandbox profile.
 */
export function SandboxClock() {
  const { t } = useTranslation();
  const { zone, lang, profileId } = useApp();
  const client = useQueryClient();
  const clock = useQuery({ queryKey: [...keys.profile(profileId), "sandboxClock"], queryFn: () => call(commands.sandboxClock()), refetchInterval: 60_000 });
  const advance = useMutation({
    mutationFn: async (step: ClockStep) => {
      const moved = await call(commands.advanceSandboxClock(step));
      // What ran at the sandbox reaches the store by a sync, as it would from i'mport.
      await call(commands.syncNow({ payments: true, schedules: true, keys: false, from: null }, new Channel<SyncProgress>()));
      return moved;
    },
    meta: { inlineError: true },
    onSuccess: async (moved) => {
      client.setQueryData([...keys.profile(profileId), "sandboxClock"], moved);
      notifications.show({ color: "blue", message: t("practice.moved", { when: formatDateTime(moved.now, zone, lang) }) });
      await invalidate(client, profileId, "money");
    },
  });
  const ahead = clock.data ? Math.floor(clock.data.ahead_secs / 86_400) : 0;
  return (
    <Paper withBorder p="md" radius="md" data-testid="sandbox-clock">
      <Stack gap="xs">
        <Title order={5}>{t("practice.title")}</Title>
        <Text size="sm" c="dimmed">
          {t("practice.body")}
        </Text>
        {clock.data && (
          <Text size="sm" data-testid="sandbox-clock-now">
            {t("practice.now", { when: formatDateTime(clock.data.now, zone, lang) })}
            {ahead > 0 && ` · ${t("practice.ahead", { count: ahead })}`}
          </Text>
        )}
        <Group gap="xs">
          {STEPS.map((step) => (
            <Button
              key={step}
              size="xs"
              variant="light"
              leftSection={<IconClockPlay size={14} />}
              loading={advance.isPending && advance.variables === step}
              disabled={advance.isPending}
              onClick={() => advance.mutate(step)}
              data-testid={`sandbox-clock-${step}`}
            >
              {t(`practice.step.${step}`)}
            </Button>
          ))}
        </Group>
        {(clock.error ?? advance.error) && <ErrorAlert error={clock.error ?? advance.error} />}
      </Stack>
    </Paper>
  );
}
