import { AppShell, Badge, Center, Divider, Group, Loader, Menu, NavLink, ScrollArea, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import {
  IconArrowsDiff,
  IconCalendarMonth,
  IconCalendarRepeat,
  IconBellExclamation,
  IconCreditCard,
  IconLayoutDashboard,
  IconMap2,
  IconReceipt2,
  IconRepeat,
  IconStack2,
  IconReportMoney,
  IconSettings,
  IconShieldCheck,
  IconUsers,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Fragment, Suspense, useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useLocation, useNavigate } from "react-router";
import { useApp } from "../AppContext";
import { useSwitchProfile } from "../lib/mutations";
import { triageCountQuery } from "../lib/queries";
import { tellPainted } from "../lib/startup";
import { EngineStatusText } from "./EngineStatusText";
import { ModeBadge } from "./ModeBadge";
import { ReadingCopyAlert } from "./ReadingCopyAlert";
import { SessionErrorAlert } from "./SessionErrorAlert";

/** The screens in the navigation, in groups a divider separates: the day's start, billing, finance, help. */
export const AREAS = [
  { path: "/", key: "dashboard", icon: IconLayoutDashboard, group: "start" },
  { path: "/triage", key: "triage", icon: IconBellExclamation, group: "start" },
  { path: "/customers", key: "customers", icon: IconUsers, group: "billing" },
  { path: "/charges", key: "charges", icon: IconCreditCard, group: "billing" },
  { path: "/schedules", key: "schedules", icon: IconCalendarRepeat, group: "billing" },
  { path: "/plans", key: "plans", icon: IconRepeat, group: "billing" },
  { path: "/runs", key: "runs", icon: IconStack2, group: "billing" },
  { path: "/calendar", key: "calendar", icon: IconCalendarMonth, group: "billing" },
  { path: "/payments", key: "payments", icon: IconReceipt2, group: "finance" },
  { path: "/settlement", key: "settlement", icon: IconReportMoney, group: "finance" },
  { path: "/reconcile", key: "reconcile", icon: IconArrowsDiff, group: "finance" },
  { path: "/audit", key: "audit", icon: IconShieldCheck, group: "finance" },
  { path: "/pg-guide", key: "pgGuide", icon: IconMap2, group: "help" },
  { path: "/settings", key: "settings", icon: IconSettings, group: "help" },
] as const;

export function Shell() {
  const { t } = useTranslation();
  const { status, profileId } = useApp();
  // The queue's size beside its name, refreshed every half minute and after every change.
  const triage = useQuery({ ...triageCountQuery(profileId), enabled: status.session_error === null });
  const triageTotal = triage.data?.total ?? 0;
  const navigate = useNavigate();
  const switchProfile = useSwitchProfile(() => void navigate("/"));
  const location = useLocation();
  const live = status.active_profile.mode === "live";
  useEffect(() => tellPainted("shell"), []);

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 220, breakpoint: 0 }}
      footer={{ height: 32 }}
      padding="lg"
    >
      <AppShell.Header
        style={live ? { borderBottom: "3px solid var(--mantine-color-red-7)" } : undefined}
      >
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <img src="/icon.png" width={24} height={24} alt="" />
            <Title order={4}>{t("app.name")}</Title>
            <Text size="sm" c="dimmed">
              {t("app.tagline")}
            </Text>
          </Group>
          {live && (
            <Badge color="red" size="lg" variant="filled" data-testid="live-marker">
              LIVE · {t("status.liveWarning")}
            </Badge>
          )}
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs">
        {/* Fourteen screens fit 700 px compactly; a smaller window scrolls the list rather than clip it. */}
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={1}>
          {AREAS.map((area, i) => {
            const active = area.path === "/" ? location.pathname === "/" : location.pathname.startsWith(area.path);
            const newGroup = i > 0 && AREAS[i - 1]?.group !== area.group;
            return (
              <Fragment key={area.key}>
              {newGroup && <Divider my={4} />}
              <NavLink
                py={6}
                data-testid={`nav-${area.key}`}
                label={t(`nav.${area.key}`)}
                leftSection={<area.icon size={18} stroke={1.6} />}
                rightSection={
                  area.key === "triage" && triageTotal > 0 ? (
                    <Badge size="sm" color="red" variant="filled" circle={triageTotal < 10} data-testid="nav-triage-count">
                      {triageTotal}
                    </Badge>
                  ) : undefined
                }
                active={active}
                onClick={() => void navigate(area.path)}
                variant="light"
              />
              </Fragment>
            );
          })}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        {status.session_error && <SessionErrorAlert error={status.session_error} />}
        {status.reading && <ReadingCopyAlert reading={status.reading} />}
        {/* A screen opened for the first time loads its code (App.tsx): a loader meanwhile. */}
        <Suspense
          fallback={
            <Center py="xl">
              <Loader aria-label={t("common.loading")} />
            </Center>
          }
        >
          <Outlet />
        </Suspense>
      </AppShell.Main>

      <AppShell.Footer px="md" data-testid="status-bar">
        <StatusBar>
          <Text size="xs" c="dimmed">
            {t("status.profile")}
          </Text>
          <Menu position="top-start" withinPortal>
            <Menu.Target>
              <UnstyledButton data-testid="profile-switcher" aria-label={t("profiles.switchTo")}>
                <Text size="xs" fw={600} data-testid="status-profile" td="underline dotted">
                  {status.active_profile.name}
                </Text>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t("profiles.switchTo")}</Menu.Label>
              {status.profiles.map((p) => (
                <Menu.Item
                  key={p.id}
                  data-testid={`switch-to-${p.id}`}
                  disabled={p.id === status.active_profile.id}
                  rightSection={<ModeBadge mode={p.mode} />}
                  onClick={() => switchProfile.mutate({ id: p.id, name: p.name })}
                >
                  {p.name}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <ModeBadge mode={status.active_profile.mode} />
          {status.active_profile.read_only && (
            <Badge size="sm" color="gray" data-testid="status-read-only">
              {t("profiles.readOnly")}
            </Badge>
          )}
          {status.lock.enabled && (
            <Badge size="sm" color={status.lock.locked ? "red" : "green"} variant="light">
              {status.lock.locked ? t("profiles.locked") : t("profiles.unlocked")}
            </Badge>
          )}
          <Text size="xs" c="dimmed" truncate>
            {status.sandbox_url ? t("status.sandboxAt", { url: status.sandbox_url }) : t("status.sandboxDown")}
          </Text>
          <EngineStatusText />
        </StatusBar>
      </AppShell.Footer>
    </AppShell>
  );
}

function StatusBar({ children }: { children: ReactNode }) {
  return (
    <Group h="100%" gap="xs" wrap="nowrap">
      {children}
    </Group>
  );
}
