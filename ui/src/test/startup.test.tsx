import { MantineProvider } from "@mantine/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import i18n from "../i18n";
import { tellPainted } from "../lib/startup";
import { theme } from "../theme";
import type { AppStatus, Dashboard } from "../bindings";
import { SETTINGS, appStatus, dashboardFixture, deferred, profile } from "./fixtures";

const OVERVIEW = {
  customers: 3, active_keys: 2, unknown_keys: 0, unverified_keys: 0, deleted_keys: 0, payments: 5,
  paid_total_krw_30d: 10000, cancelled_total_krw_30d: 0, failed_30d: 0, upcoming_schedules: 1, last_sync_at: null,
};

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

/** The app rendered over a Rust that answers the shell's and the dashboard's commands. */
function startApp(answers: { status: () => AppStatus; dashboard: () => unknown; stage?: (stage: string) => void }) {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "ui_ready":
        answers.stage?.((args as { stage: string }).stage);
        return null;
      case "app_status":
        return answers.status();
      case "get_settings":
        return SETTINGS;
      case "overview":
        return OVERVIEW;
      case "dashboard":
        return answers.dashboard();
      case "journal":
      case "list_profiles":
        return [];
      default:
        return null;
    }
  });
  render(
    <MantineProvider theme={theme}>
      <App Router={MemoryRouter} />
    </MantineProvider>,
  );
}

describe("start-up times", () => {
  it("tells Rust a stage once, however often it is painted", async () => {
    const stages: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "ui_ready") stages.push((args as { stage: string }).stage);
      return null;
    });
    tellPainted("shell");
    tellPainted("shell");
    await waitFor(() => expect(stages).toEqual(["shell"]));
    await new Promise((r) => setTimeout(r, 50));
    expect(stages).toEqual(["shell"]);
  });

  it("says the dashboard is ready only once its figures are on screen", async () => {
    const dashboard = deferred<Dashboard>();
    const stages: string[] = [];
    startApp({
      status: () => appStatus(profile("sandbox", "Sandbox")),
      dashboard: () => dashboard.promise,
      stage: (stage) => stages.push(stage),
    });
    expect(await screen.findByTestId("page-title")).toHaveTextContent("대시보드");
    await new Promise((r) => setTimeout(r, 100));
    expect(stages).not.toContain("dashboard");
    dashboard.resolve(dashboardFixture());
    await screen.findByTestId("overview");
    await waitFor(() => expect(stages).toContain("dashboard"));
  });

  it("shows the store at once and the damage the check finds just after", async () => {
    let checked = false;
    startApp({
      status: () => {
        // Pending on the first answer; the next one (asked again by itself) has the result.
        const status = appStatus(profile("sandbox", "Sandbox"));
        if (!checked) {
          checked = true;
          return { ...status, integrity_pending: true };
        }
        return { ...status, session_error: { code: "db_corrupt", message: "damaged", details: { latest_backup: null } } };
      },
      dashboard: () => dashboardFixture(),
    });
    expect(await screen.findByTestId("page-title")).toHaveTextContent("대시보드");
    expect(screen.queryByTestId("session-error")).toBeNull();
    const alert = await screen.findByTestId("session-error", {}, { timeout: 4000 });
    expect(alert).toHaveTextContent("데이터베이스 파일이 손상되었습니다");
  });
});
