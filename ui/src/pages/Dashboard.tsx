import { Alert, List, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useNavigate } from "react-router";
import { ErrorAlert } from "../components/ErrorAlert";
import { SandboxClock } from "../components/SandboxClock";
import { formatDateTime, formatKrw } from "../lib/format";
import { journalQuery, overviewQuery } from "../lib/queries";
import { tellPainted } from "../lib/startup";
import { IconAlertTriangle, IconFlask, IconTestPipe } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import { ModeBadge } from "../layout/ModeBadge";
import { PageHeader } from "../layout/PageHeader";

export function Dashboard() {
  const { t } = useTranslation();
  const { status, settings, lang, profileId } = useApp();
  const profile = status.active_profile;
  const navigate = useNavigate();
  // A profile that cannot be opened has no figures (the shell says why): none are asked for.
  const open = status.session_error === null;
  const overviewAnswer = useQuery({ ...overviewQuery(profileId), enabled: open });
  const openJournal = useQuery({
    ...journalQuery(profileId, { open_only: true, customer_uid: null, merchant_uid: null, before_id: null, limit: 1000 }),
    enabled: open,
    select: (rows) => rows.length,
  });
  const overview = overviewAnswer.data ?? null;
  const openCount = openJournal.data ?? 0;
  // Ready once the figures (or why there are none) are on screen.
  const ready = !open || overview !== null || overviewAnswer.error !== null;
  useEffect(() => {
    if (ready) tellPainted("dashboard");
  }, [ready]);

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
      {overviewAnswer.error && <ErrorAlert error={overviewAnswer.error} onRetry={() => void overviewAnswer.refetch()} retrying={overviewAnswer.isFetching} testId="overview-error" />}
      {overview && (
        <SimpleGrid cols={3} data-testid="overview">
          <Stat label={t("money.dashboard.customers")} value={overview.customers.toLocaleString()} onClick={() => void navigate("/customers")} />
          <Stat label={t("money.dashboard.activeKeys")} value={overview.active_keys.toLocaleString()} onClick={() => void navigate("/customers")} />
          <Stat label={t("money.dashboard.upcoming")} value={overview.upcoming_schedules.toLocaleString()} onClick={() => void navigate("/schedules")} />
          <Stat label={t("money.dashboard.paid30")} value={formatKrw(overview.paid_total_krw_30d, lang)} onClick={() => void navigate("/payments")} />
          <Stat label={t("money.dashboard.cancelled30")} value={formatKrw(overview.cancelled_total_krw_30d, lang)} onClick={() => void navigate("/payments")} />
          <Stat label={t("money.dashboard.failed30")} value={overview.failed_30d.toLocaleString()} tone={overview.failed_30d > 0 ? "red" : undefined} onClick={() => void navigate("/payments")} />
        </SimpleGrid>
      )}
      {overview && overview.unknown_keys > 0 && (
        <Alert color="orange" data-testid="unknown-keys">
          {t("money.dashboard.unknownKeys", { count: overview.unknown_keys })}
        </Alert>
      )}
      {profile.mode === "sandbox" && open && <SandboxClock />}
      {openCount > 0 && (
        <Alert color="yellow" data-testid="open-journal" style={{ cursor: "pointer" }} onClick={() => void navigate("/charges")}>
          {t("money.dashboard.openJournal", { count: openCount })}
        </Alert>
      )}
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
            <Row label={t("money.dashboard.lastSync")}>
              <Text size="sm">{overview?.last_sync_at ? formatDateTime(overview.last_sync_at, settings.time_zone, lang) : t("money.dashboard.never")}</Text>
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

function Stat({ label, value, tone, onClick }: { label: string; value: string; tone?: string; onClick: () => void }) {
  return (
    <Paper withBorder p="md" radius="md" onClick={onClick} style={{ cursor: "pointer" }}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} c={tone}>
        {value}
      </Text>
    </Paper>
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
