import { MantineProvider } from "@mantine/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import i18n from "../i18n";
import { theme } from "../theme";

type Lang = "ko" | "en";

function status(mode: "sandbox" | "test" | "live" = "sandbox") {
  const profile = { id: "p", name: mode === "sandbox" ? "Sandbox" : "My shop", mode, base_url: "http://127.0.0.1:41234", time_zone: "Asia/Seoul", read_only: false };
  return {
    version: "0.1.0",
    active_profile: profile,
    profiles: [profile],
    sandbox_url: "http://127.0.0.1:41234",
    session_error: null,
    lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } },
  };
}

/** A Rust side kept in memory: what the settings store would hold. */
function mockBackend(opts: { lang?: Lang; mode?: "sandbox" | "test" | "live"; damaged?: { latest_backup: string | null } } = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  let language: Lang = opts.lang ?? "ko";
  let damaged = opts.damaged ?? null;
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    const settings = () => ({ language, time_zones: ["Asia/Seoul", "UTC"] });
    switch (cmd) {
      case "app_status":
        return {
          ...status(opts.mode),
          session_error: damaged ? { code: "db_corrupt", message: "the database is damaged", details: damaged } : null,
        };
      case "recover_database":
        damaged = null;
        return null;
      case "get_settings":
        return settings();
      case "set_language":
        language = (args as { language: Lang }).language;
        return settings();
      case "list_profiles":
      case "list_backups":
        return [];
      case "triage_count":
        return { total: 0, by_kind: [] };
      case "open_external":
        throw { code: "link_not_allowed", message: "refused", details: null };
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

function renderApp() {
  return render(
    <MantineProvider theme={theme}>
      <App Router={MemoryRouter} />
    </MantineProvider>,
  );
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the shell", () => {
  it("opens in Korean on the dashboard with the profile and mode in the status bar", async () => {
    mockBackend();
    renderApp();
    expect(await screen.findByTestId("page-title")).toHaveTextContent("대시보드");
    const bar = screen.getByTestId("status-bar");
    expect(within(bar).getByTestId("status-profile")).toHaveTextContent("Sandbox");
    expect(within(bar).getByTestId("status-mode")).toHaveTextContent("샌드박스");
    expect(bar).toHaveTextContent("http://127.0.0.1:41234");
  });

  it("reaches every area from the sidebar", async () => {
    mockBackend();
    renderApp();
    await screen.findByTestId("page-title");
    const titles: Record<string, string> = {
      customers: "고객",
      charges: "결제 요청",
      schedules: "예약 결제",
      payments: "결제 내역",
      pgGuide: "PG 가이드",
      settings: "설정",
      dashboard: "대시보드",
    };
    for (const [area, title] of Object.entries(titles)) {
      await userEvent.click(screen.getByTestId(`nav-${area}`));
      await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent(title));
    }
  });

  it("switches to English through Rust and back", async () => {
    const calls = mockBackend();
    renderApp();
    await screen.findByTestId("page-title");
    await userEvent.click(screen.getByTestId("nav-settings"));
    await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent("설정"));
    await userEvent.click(within(screen.getByTestId("language-switch")).getByLabelText("English"));
    await waitFor(() => expect(calls.map((c) => c.cmd)).toContain("set_language"));
    await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent("Settings"));
    expect(calls.filter((c) => c.cmd === "set_language").map((c) => c.args)).toEqual([{ language: "en" }]);
    await userEvent.click(within(screen.getByTestId("language-switch")).getByLabelText("한국어"));
    await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent("설정"));
  });

  it("starts in the remembered language", async () => {
    mockBackend({ lang: "en" });
    renderApp();
    expect(await screen.findByTestId("page-title")).toHaveTextContent("Dashboard");
  });

  it("marks a live profile in red on every screen", async () => {
    mockBackend({ mode: "live" });
    renderApp();
    await screen.findByTestId("page-title");
    expect(screen.getByTestId("live-marker")).toHaveTextContent("LIVE");
    await userEvent.click(screen.getByTestId("nav-payments"));
    expect(screen.getByTestId("live-marker")).toBeInTheDocument();
  });

  it("shows a start error in the user's language with a retry", async () => {
    mockIPC(() => {
      throw { code: "settings_unavailable", message: "disk full", details: null };
    });
    renderApp();
    expect(await screen.findByTestId("start-error")).toHaveTextContent("설정 파일을 사용할 수 없습니다");
  });

  it("offers the latest backup or an empty start for a damaged database, and opens the profile", async () => {
    const calls = mockBackend({ damaged: { latest_backup: "subdesk-20261120-pre-v4.sqlite3" } });
    renderApp();
    const alert = await screen.findByTestId("session-error");
    expect(alert).toHaveTextContent("데이터베이스 파일이 손상되었습니다");
    expect(screen.getByTestId("recover-backup")).toHaveTextContent("최근 백업으로 복원 (subdesk-20261120-pre-v4.sqlite3)");
    expect(screen.getByTestId("recover-empty")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("recover-backup"));
    await waitFor(() => expect(screen.queryByTestId("session-error")).toBeNull());
    expect(calls.filter((c) => c.cmd === "recover_database").map((c) => c.args)).toEqual([{ how: "latest_backup" }]);
  });

  it("without a backup says so and offers only the empty start", async () => {
    mockBackend({ damaged: { latest_backup: null } });
    renderApp();
    const alert = await screen.findByTestId("session-error");
    expect(alert).toHaveTextContent("백업이 없습니다");
    expect(screen.queryByTestId("recover-backup")).toBeNull();
    expect(screen.getByTestId("recover-empty")).toBeInTheDocument();
  });
});
