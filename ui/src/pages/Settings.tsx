import { Button, Paper, SegmentedControl, Stack, Text, Textarea, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconClipboardCopy } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { commands, type Language } from "../bindings";
import { useApp } from "../AppContext";
import { PageHeader } from "../layout/PageHeader";
import { call } from "../lib/ipc";
import { BackupSection } from "./settings/BackupSection";
import { LockSection } from "./settings/LockSection";
import { ProfilesSection } from "./settings/ProfilesSection";
import { SharedStoreSection } from "./settings/SharedStoreSection";

export function Settings() {
  const { t } = useTranslation();
  const { settings, setLanguage, zone, status } = useApp();
  const [diagnostics, setDiagnostics] = useState<string | null>(null);

  const copyDiagnostics = useMutation({
    mutationFn: () => call(commands.diagnostics()),
    onSuccess: async (text) => {
      try {
        await navigator.clipboard.writeText(text);
        setDiagnostics(null);
        notifications.show({ color: "green", message: t("settings.copied") });
      } catch {
        // Some webviews refuse clipboard access; show the text so it can be copied by hand.
        setDiagnostics(text);
        notifications.show({ color: "yellow", message: t("settings.copyFailed") });
      }
    },
  });

  return (
    <Stack maw={900}>
      <PageHeader title={t("settings.title")} description={t("settings.description")} />

      <ProfilesSection />
      <LockSection />
      <BackupSection />
      <SharedStoreSection />

      <Paper withBorder p="md" radius="md">
        <Title order={5}>{t("settings.language")}</Title>
        <Text size="sm" c="dimmed" mb="sm">
          {t("settings.languageHelp")}
        </Text>
        <SegmentedControl
          data-testid="language-switch"
          value={settings.language}
          onChange={(v) => setLanguage(v as Language)}
          data={[
            { value: "ko", label: t("settings.korean") },
            { value: "en", label: t("settings.english") },
          ]}
        />
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Title order={5}>{t("settings.timeZone")}</Title>
        <Text size="sm" c="dimmed" mb="sm">
          {t("settings.timeZoneHelp")}
        </Text>
        <Text fw={500} data-testid="time-zone">
          {zone}
        </Text>
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Title order={5}>{t("settings.diagnostics")}</Title>
        <Text size="sm" c="dimmed" mb="sm">
          {t("settings.diagnosticsHelp")}
        </Text>
        <Button
          leftSection={<IconClipboardCopy size={16} />}
          variant="light"
          loading={copyDiagnostics.isPending}
          onClick={() => copyDiagnostics.mutate()}
          data-testid="copy-diagnostics"
        >
          {t("settings.copyDiagnostics")}
        </Button>
        {diagnostics !== null && (
          <Textarea mt="sm" autosize minRows={6} maxRows={16} readOnly value={diagnostics} data-testid="diagnostics-text" />
        )}
      </Paper>

      <Paper withBorder p="md" radius="md">
        <Title order={5} mb="xs">
          {t("settings.about")}
        </Title>
        <Text size="sm">{t("status.version", { version: status.version })}</Text>
      </Paper>
    </Stack>
  );
}
