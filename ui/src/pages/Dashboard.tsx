import { Alert, List, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconFlask, IconTestPipe } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import { ModeBadge } from "../layout/ModeBadge";
import { PageHeader } from "../layout/PageHeader";

export function Dashboard() {
  const { t } = useTranslation();
  const { status, settings } = useApp();
  const profile = status.active_profile;

  const modeAlert = {
    sandbox: { color: "blue", icon: <IconFlask />, title: t("dashboard.sandboxTitle"), body: t("dashboard.sandboxBody") },
    test: { color: "yellow", icon: <IconTestPipe />, title: t("dashboard.testTitle"), body: t("dashboard.testBody") },
    live: { color: "red", icon: <IconAlertTriangle />, title: t("dashboard.liveTitle"), body: t("dashboard.liveBody") },
  }[profile.mode];

  return (
    <Stack>
      <PageHeader title={t("dashboard.title")} description={t("dashboard.description")} />
      <Alert color={modeAlert.color} icon={modeAlert.icon} title={modeAlert.title} data-testid="mode-alert">
        {modeAlert.body}
      </Alert>
      <SimpleGrid cols={2}>
        <Paper withBorder p="md" radius="md">
          <Title order={5} mb="sm">
            {t("dashboard.connection")}
          </Title>
          <Stack gap={6}>
            <Row label={t("status.profile")}>
              <Text size="sm" fw={600}>
                {profile.name}
              </Text>
              <ModeBadge mode={profile.mode} />
            </Row>
            <Row label={t("dashboard.apiAddress")}>
              <Text size="sm" ff="monospace" data-testid="api-address">
                {profile.base_url || "—"}
              </Text>
            </Row>
            <Row label={t("dashboard.timeZone")}>
              <Text size="sm">{settings.time_zone}</Text>
            </Row>
          </Stack>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <Title order={5} mb="sm">
            {t("dashboard.nextStepsTitle")}
          </Title>
          <List type="ordered" size="sm" spacing={6}>
            <List.Item>{t("dashboard.nextSteps1")}</List.Item>
            <List.Item>{t("dashboard.nextSteps2")}</List.Item>
            <List.Item>{t("dashboard.nextSteps3")}</List.Item>
          </List>
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div style={{ display: "flex", gap: 8, alignItems: "center" }}>
      <Text size="sm" c="dimmed" w={110}>
        {label}
      </Text>
      {children}
    </div>
  );
}
