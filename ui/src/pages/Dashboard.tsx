import { Alert, Button, Group, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { BarChart } from "@mantine/charts";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { ErrorAlert } from "../components/ErrorAlert";
import { SandboxClock } from "../components/SandboxClock";
import { formatDateTime, formatKrw } from "../lib/format";
import { dashboardQuery, journalQuery, overviewQuery } from "../lib/queries";
import { tellPainted } from "../lib/startup";
import { IconAlertTriangle, IconFlask, IconTestPipe } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useApp } from "../AppContext";
import type { Bar, DatePreset, PaymentFigure } from "../bindings";
import { ModeBadge } from "../layout/ModeBadge";
import { PageHeader } from "../layout/PageHeader";
import { DATE_PRESETS, paymentLinkPath, scheduleLinkPath } from "../lib/listLinks";
import { loadPref, savePref } from "../lib/prefs";

function isPreset(v: unknown): v is DatePreset {
  return typeof v === "string" && (DATE_PRESETS as string[]).includes(v);
}

/** A day Rust named (`2026-11-04`) as a chart's tick: `11. 4.` in Korean, `11/4` in English. */
function shortDay(day: string, lang: string): string {
  const [, m, d] = day.split("-").map(Number);
  return lang === "ko" ? `${m}. ${d}.` : `${m}/${d}`;
}

export function Dashboard() {
  const { t } = useTranslation();
  const { zone, status, lang, profileId } = useApp();
  const profile = status.active_profile;
  const navigate = useNavigate();
  const [preset, setPreset] = useState<DatePreset>(() => loadPref("dashboard.preset", "this_month", isPreset));
  // A profile that cannot be opened has no figures (the shell says why): none are asked for.
  const open = status.session_error === null;
  const overviewAnswer = useQuery({ ...overviewQuery(profileId), enabled: open });
  // Days in the profile's zone, as every list reads them.
  const answer = useQuery({ ...dashboardQuery(profileId, preset, zone), enabled: open });
  const openJournal = useQuery({
    ...journalQuery(profileId, { open_only: true, customer_uid: null, merchant_uid: null, before_id: null, limit: 1000 }),
    enabled: open,
    select: (rows) => rows.length,
  });
  const overview = overviewAnswer.data ?? null;
  const dash = answer.data ?? null;
  const openCount = openJournal.data ?? 0;
  // Ready once the figures (or why there are none) are on screen.
  const ready = !open || dash !== null || answer.error !== null;
  useEffect(() => {
    if (ready) tellPainted("dashboard");
  }, [ready]);

  const modeAlert = {
    sandbox: { color: "blue", icon: <IconFlask />, title: t("dashboard.sandboxTitle"), body: t("dashboard.sandboxBody") },
    test: { color: "yellow", icon: <IconTestPipe />, title: t("dashboard.testTitle"), body: t("dashboard.testBody") },
    live: { color: "red", icon: <IconAlertTriangle />, title: t("dashboard.liveTitle"), body: t("dashboard.liveBody") },
  }[profile.mode];
  const count = (n: number) => t("dashboard.count", { count: n });
  const percent = new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US", { style: "percent", maximumFractionDigits: 1 });
  const compact = new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-US", { notation: "compact", maximumFractionDigits: 1 });
  const openPayments = (f: PaymentFigure) => void navigate(paymentLinkPath(f.link));
  const bars = (list: Bar[], byDay = false) =>
    list.map((b) => ({ label: byDay ? shortDay(b.key, lang) : b.label, paid: b.figure.amount, refunded: b.figure.refunded, net: b.figure.net }));
  const barClick = (list: Bar[]) => ({
    style: { cursor: "pointer" },
    onClick: (_: unknown, index: number) => {
      const bar = list[index];
      if (bar) openPayments(bar.figure);
    },
  });
  const won = (v: number) => formatKrw(v, lang);

  return (
    <Stack>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <PageHeader title={t("dashboard.title")} description={t("dashboard.description")} />
        <SegmentedControl
          size="xs"
          value={preset}
          onChange={(v) => {
            if (!isPreset(v)) return;
            setPreset(v);
            savePref("dashboard.preset", v);
          }}
          data={DATE_PRESETS.map((p) => ({ value: p, label: t(`money.payments.periods.${p}`) }))}
          data-testid="dashboard-period"
        />
      </Group>
      <Alert color={modeAlert.color} icon={modeAlert.icon} title={modeAlert.title} data-testid="mode-alert">
        {modeAlert.body}
      </Alert>
      {answer.error && <ErrorAlert error={answer.error} onRetry={() => void answer.refetch()} retrying={answer.isFetching} testId="overview-error" />}
      {overview && overview.unknown_keys > 0 && (
        <Alert color="orange" data-testid="unknown-keys">
          {t("money.dashboard.unknownKeys", { count: overview.unknown_keys })}
        </Alert>
      )}
      {openCount > 0 && (
        <Alert color="yellow" data-testid="open-journal" style={{ cursor: "pointer" }} onClick={() => void navigate("/charges")}>
          {t("money.dashboard.openJournal", { count: openCount })}
        </Alert>
      )}
      {dash && (
        <>
          <Text size="xs" c="dimmed" data-testid="dashboard-range">
            {t("dashboard.range", { first: formatDay(dash.range.first_day, lang), last: formatDay(dash.range.last_day, lang) })}
          </Text>
          <SimpleGrid cols={3} data-testid="overview">
            <Figure testId="figure-gross" count={dash.gross.count} label={t("dashboard.gross")} value={won(dash.gross.amount)} caption={count(dash.gross.count)} onClick={() => openPayments(dash.gross)} />
            <Figure
              testId="figure-refunds"
              count={dash.refunds.count}
              label={t("dashboard.refunds")}
              value={won(dash.refunds.refunded)}
              tone={dash.refunds.refunded > 0 ? "orange" : undefined}
              caption={t("dashboard.refundsCaption", { count: dash.refunds.count })}
              onClick={() => openPayments(dash.refunds)}
            />
            <Figure testId="figure-net" count={dash.gross.count} label={t("dashboard.net")} value={won(dash.gross.net)} caption={t("dashboard.netCaption", { count: dash.gross.count })} onClick={() => openPayments(dash.gross)} />
            <Figure
              testId="figure-failed"
              count={dash.failed.count}
              label={t("dashboard.failureRate")}
              value={dash.failure_rate_bp === null ? "—" : percent.format(dash.failure_rate_bp / 10_000)}
              tone={dash.failed.count > 0 ? "red" : undefined}
              caption={t("dashboard.failedCaption", { failed: dash.failed.count, attempts: dash.failed.count + dash.gross.count })}
              onClick={() => openPayments(dash.failed)}
            />
            <Figure
              testId="figure-plans"
              count={dash.plans.paid.count}
              label={t("dashboard.plans")}
              value={won(dash.plans.paid.amount)}
              caption={dash.plans.plans === 0 ? t("dashboard.noPlansCaption") : t("dashboard.plansCaption", { subscriptions: dash.plans.active_subscriptions, monthly: won(dash.plans.monthly_recurring) })}
              onClick={() => openPayments(dash.plans.paid)}
            />
            <Figure
              testId="figure-next-week"
              count={dash.next_week.count}
              label={t("dashboard.nextWeek")}
              value={won(dash.next_week.amount)}
              caption={count(dash.next_week.count)}
              onClick={() => void navigate(scheduleLinkPath(dash.next_week.link))}
            />
          </SimpleGrid>
        </>
      )}
      {/* Where the app is connected: near the top, seen without scrolling. */}
      <Paper withBorder p="md" radius="md">
        <Title order={5} mb="sm">
          {t("dashboard.connection")}
        </Title>
        <SimpleGrid cols={2} spacing={6} verticalSpacing={6}>
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
            <Text size="sm">{zone}</Text>
          </Row>
          <Row label={t("money.dashboard.lastSync")}>
            <Text size="sm">{overview?.last_sync_at ? formatDateTime(overview.last_sync_at, zone, lang) : t("money.dashboard.never")}</Text>
          </Row>
          <Row label={t("money.dashboard.customers")}>
            <Text size="sm" data-testid="overview-customers">
              {overview ? t("dashboard.customersLine", { customers: overview.customers, keys: overview.active_keys }) : "—"}
            </Text>
          </Row>
        </SimpleGrid>
      </Paper>
      {profile.mode === "sandbox" && open && <SandboxClock />}
      {dash && (
        <>
          <Paper withBorder p="md" radius="md">
            <Title order={5} mb="sm">
              {t("dashboard.dailyTitle")}
            </Title>
            <BarChart
              h={200}
              data={bars(dash.daily, true)}
              dataKey="label"
              series={[
                { name: "paid", label: t("dashboard.series.paid"), color: "teal.6" },
                { name: "refunded", label: t("dashboard.series.refunded"), color: "orange.6" },
              ]}
              valueFormatter={won}
              yAxisProps={{ tickFormatter: (v: number) => compact.format(v), width: 56 }}
              withLegend
              barProps={barClick(dash.daily)}
              data-testid="chart-daily"
            />
          </Paper>
          <SimpleGrid cols={2}>
            <Paper withBorder p="md" radius="md">
              <Title order={5} mb="sm">
                {t("dashboard.byPgTitle")}
              </Title>
              {dash.by_pg.length === 0 ? (
                <Text size="sm" c="dimmed">
                  {t("dashboard.noPayments")}
                </Text>
              ) : (
                <BarChart
                  h={barsHeight(dash.by_pg.length)}
                  data={bars(dash.by_pg)}
                  dataKey="label"
                  orientation="vertical"
                  series={[{ name: "net", label: t("dashboard.series.net"), color: "blue.6" }]}
                  valueFormatter={won}
                  xAxisProps={{ tickFormatter: (v: number) => compact.format(v) }}
                  yAxisProps={{ width: 90, interval: 0 }}
                  barProps={barClick(dash.by_pg)}
                  data-testid="chart-pg"
                />
              )}
            </Paper>
            <Paper withBorder p="md" radius="md">
              <Title order={5} mb="sm">
                {t("dashboard.byPlanTitle")}
              </Title>
              {dash.by_plan.length === 0 ? (
                <Stack gap="xs" align="flex-start" data-testid="no-plans">
                  <Text size="sm" c="dimmed">
                    {t("dashboard.noPlans")}
                  </Text>
                  <Button size="xs" variant="light" onClick={() => void navigate("/schedules")}>
                    {t("dashboard.noPlansAction")}
                  </Button>
                </Stack>
              ) : (
                <BarChart
                  h={barsHeight(dash.by_plan.length)}
                  data={bars(dash.by_plan)}
                  dataKey="label"
                  orientation="vertical"
                  series={[{ name: "net", label: t("dashboard.series.net"), color: "grape.6" }]}
                  valueFormatter={won}
                  xAxisProps={{ tickFormatter: (v: number) => compact.format(v) }}
                  yAxisProps={{ width: 100, interval: 0 }}
                  barProps={barClick(dash.by_plan)}
                  data-testid="chart-plan"
                />
              )}
            </Paper>
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

/** A horizontal bar chart tall enough that every bar keeps its label. */
function barsHeight(bars: number): number {
  return Math.max(140, 28 * bars + 50);
}

function formatDay(day: string, lang: string): string {
  return lang === "ko" ? `${day.replace(/-/g, ". ")}.` : day;
}

/** A figure: a button that opens the list it counts (`data-count`: that list's count). */
function Figure({ label, value, caption, tone, count, onClick, testId }: { label: string; value: string; caption: string; tone?: string; count: number; onClick: () => void; testId: string }) {
  return (
    <UnstyledButton onClick={onClick} data-testid={testId} data-count={count}>
      <Paper withBorder p="sm" radius="md" h="100%">
        <Text size="xs" c="dimmed">
          {label}
        </Text>
        <Text size="xl" fw={700} c={tone} data-testid={`${testId}-value`}>
          {value}
        </Text>
        <Text size="xs" c="dimmed">
          {caption}
        </Text>
      </Paper>
    </UnstyledButton>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div style={{ display: "flex", gap: 8, alignItems: "center", minWidth: 0 }}>
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      {children}
    </div>
  );
}
