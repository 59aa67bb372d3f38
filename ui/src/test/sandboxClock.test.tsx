import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import i18n from "../i18n";
import { SandboxClock } from "../components/SandboxClock";
import { appStatus, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

const DAY = 86_400;

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the sandbox clock", () => {
  it("moves forward by the step chosen, then syncs so the lists show what ran", async () => {
    const real = Math.floor(Date.now() / 1000);
    let now = real;
    const calls: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("sandbox", "Sandbox"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "sandbox_clock") return { now, ahead_secs: now - real };
      if (cmd === "advance_sandbox_clock") {
        calls.push(`advance:${(args as { step: string }).step}`);
        now += (args as { step: string }).step === "week" ? 7 * DAY : DAY;
        return { now, ahead_secs: now - real };
      }
      if (cmd === "sync_now") {
        calls.push("sync");
        return { payments: null, schedules: null, keys: null };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<SandboxClock />);
    expect(await screen.findByTestId("sandbox-clock-now")).not.toHaveTextContent("앞섬");
    await userEvent.click(screen.getByTestId("sandbox-clock-week"));
    await waitFor(() => expect(screen.getByTestId("sandbox-clock-now")).toHaveTextContent("실제보다 7일 앞섬"));
    expect(calls).toEqual(["advance:week", "sync"]);
  });
});
