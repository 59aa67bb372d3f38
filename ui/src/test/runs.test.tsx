import { MantineProvider } from "@mantine/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import type { RunPage, RunPreview, RunRow } from "../bindings";
import i18n from "../i18n";
import { theme } from "../theme";
import { appStatus, profile, SETTINGS } from "./fixtures";

const RUN = "run-r0123456789abcdef";

function preview(extra: Partial<RunPreview> = {}): RunPreview {
  return {
    plan: {
      run_id: RUN,
      label: "12월.csv",
      count: 12,
      total: 120_000,
      vat: 10_908,
      excluded: [
        { line: 3, customer_uid: "cus_x", reason: "bad_row", detail: "amount: not a whole number of won" },
        { line: 4, customer_uid: "cus_gone", reason: "key_not_active", detail: "deleted" },
        { line: 5, customer_uid: "nobody", reason: "no_key", detail: "" },
        { line: 6, customer_uid: "cus_1", reason: "duplicate_customer", detail: "2" },
      ],
      resumed: false,
    },
    file_name: "12월.csv",
    was_cp949: true,
    duplicates: 1,
    // Only the first lines come with the total: the total is Rust's, not their sum.
    pending: { count: 12, total: 120_000, first: [{ customer_uid: "cus_1", amount: 10_000, name: "12월" }] },
    live: false,
    ...extra,
  };
}

function row(state: string, extra: Partial<RunRow> = {}): RunRow {
  return {
    summary: {
      info: { run_id: RUN, kind: "csv", label: "12월.csv", state, concurrency: 4, rate_per_sec: 10, items: 12, total: 120_000, vat: 10_908, created_at: 1_795_000_000, updated_at: 1_795_000_000 },
      paid: 5,
      failed: 1,
      skipped: 4,
      open: 6,
      amount_paid: 50_000,
    },
    interrupted: false,
    ...extra,
  };
}

function page(r: RunRow, runningHere: boolean): RunPage {
  const p = preview();
  return {
    detail: { row: r, items: [{ line: 2, customer_uid: "cus_1", merchant_uid: "sd-r1-2", amount: 10_000, name: "12월", state: "done", outcome: "paid", imp_uid: "imp_1", fail_reason: null, error_code: null }], excluded: p.plan.excluded, pending: p.pending, live: false },
    running_here: runningHere,
    error: null,
  };
}

function backend(opts: { mode?: "sandbox" | "live"; lang?: "ko" | "en"; preview?: RunPreview; runs?: RunRow[]; page?: RunPage } = {}) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    switch (cmd) {
      case "app_status":
        return appStatus(profile("sandbox", "Sandbox", opts.mode ?? "sandbox"));
      case "get_settings":
        return { ...SETTINGS, language: opts.lang ?? "ko" };
      case "triage_count":
        return { total: 0, by_kind: [] };
      case "plan_engine_status":
        return { running: false, profile_id: null, finished_at: null, report: null, error: null };
      case "list_runs":
        return opts.runs ?? [];
      case "pick_run_file":
        return opts.preview ?? preview();
      case "start_run":
        return null;
      case "pause_run":
        return true;
      case "run_detail":
        return opts.page ?? page(row("running"), true);
      default:
        throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    }
  });
  return calls;
}

async function openRuns() {
  render(
    <MantineProvider theme={theme}>
      <App Router={MemoryRouter} />
    </MantineProvider>,
  );
  await userEvent.click(await screen.findByTestId("nav-runs"));
  await waitFor(() => expect(screen.getByTestId("page-title")).toHaveTextContent(i18n.t("runs.title")));
}

async function pickFile() {
  await userEvent.click(await screen.findByTestId("run-new"));
  await userEvent.click(await screen.findByTestId("run-plan-button"));
  return screen.findByTestId("run-preview");
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("a new bulk run", () => {
  it("shows Rust's dry run: count, total, VAT, who is left out and why in Korean, duplicates; starting sends only the run id", async () => {
    const calls = backend();
    await openRuns();
    expect(screen.getByTestId("nav-runs")).toHaveTextContent("일괄 청구");
    const shown = await pickFile();
    expect(within(shown).getByTestId("run-preview-count")).toHaveTextContent("12");
    expect(within(shown).getByTestId("run-preview-total")).toHaveTextContent("₩120,000");
    expect(within(shown).getByTestId("run-preview-vat")).toHaveTextContent("₩10,908");
    expect(within(shown).getByTestId("run-preview-duplicates")).toHaveTextContent("중복된 줄 1개");
    const reasons = within(shown).getAllByTestId("run-excluded-row");
    expect(reasons.map((r) => r.dataset.reason)).toEqual(["bad_row", "key_not_active", "no_key", "duplicate_customer"]);
    expect(reasons[0]).toHaveTextContent("금액은 1원 이상의 정수여야 합니다");
    expect(reasons[1]).toHaveTextContent("빌링키 상태: 삭제됨");
    expect(reasons[3]).toHaveTextContent("2번째 줄과 같은 고객");
    // Rust's English detail (the CLI's) never reaches a Korean screen.
    expect(shown).not.toHaveTextContent("not a whole number");
    expect(shown).not.toHaveTextContent("deleted");
    expect(calls.find((c) => c.cmd === "pick_run_file")?.args).toEqual({ choices: { default_name: "", allow_repeats: false, repeat_done: false, concurrency: null, rate_per_sec: null } });
    expect(calls.some((c) => c.cmd === "start_run")).toBe(false);
    await userEvent.click(screen.getByTestId("run-start"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "start_run").map((c) => c.args)).toEqual([{ runId: RUN, confirmedTotal: null }]));
    // The run's page opens, with its progress and a pause.
    expect(await screen.findByTestId("run-pause")).toBeInTheDocument();
    expect(screen.getByTestId("run-progress-text")).toHaveTextContent("6 / 12건 처리");
  });

  it("on a live profile, the total left to charge is typed before anything is sent", async () => {
    const calls = backend({ mode: "live", preview: preview({ live: true }) });
    await openRuns();
    await pickFile();
    await userEvent.click(screen.getByTestId("run-start"));
    const dialog = await screen.findByTestId("live-confirm");
    // The total is Rust's (12 lines), not the sum of the one line shown.
    expect(await within(dialog).findByTestId("live-total")).toHaveTextContent("₩120,000");
    const confirm = within(dialog).getByTestId("live-confirm-button");
    await userEvent.type(within(dialog).getByTestId("live-type-total"), "10000");
    expect(confirm).toBeDisabled();
    await userEvent.clear(within(dialog).getByTestId("live-type-total"));
    await userEvent.type(within(dialog).getByTestId("live-type-total"), "120,000");
    expect(calls.some((c) => c.cmd === "start_run")).toBe(false);
    await userEvent.click(confirm);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "start_run").map((c) => c.args)).toEqual([{ runId: RUN, confirmedTotal: 120_000 }]));
  });
});

describe("the runs list and a run's page", () => {
  it("lists past runs with their counts; a run a closed app left running reads as interrupted and resumes", async () => {
    const interrupted = row("running", { interrupted: true });
    const calls = backend({ runs: [interrupted], page: page(interrupted, false) });
    await openRuns();
    const r = await screen.findByTestId("run-row");
    expect(within(r).getByTestId("run-row-state")).toHaveTextContent("중단됨");
    expect(within(r).getByTestId("run-row-paid")).toHaveTextContent("5");
    await userEvent.click(r);
    expect(await screen.findByTestId("run-interrupted")).toBeInTheDocument();
    expect(screen.queryByTestId("run-pause")).toBeNull();
    await userEvent.click(screen.getByTestId("run-resume"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "start_run").map((c) => c.args)).toEqual([{ runId: RUN, confirmedTotal: null }]));
  });

  it("pauses a run this app executes", async () => {
    const calls = backend({ runs: [row("running")] });
    await openRuns();
    await userEvent.click(await screen.findByTestId("run-row"));
    await userEvent.click(await screen.findByTestId("run-pause"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "pause_run").map((c) => c.args)).toEqual([{ runId: RUN }]));
  });

  it("reads in English too, with nothing untranslated", async () => {
    await i18n.changeLanguage("en");
    backend({ lang: "en", runs: [row("paused")] });
    await openRuns();
    expect(screen.getByTestId("nav-runs")).toHaveTextContent("Bulk runs");
    expect(within(await screen.findByTestId("run-row")).getByTestId("run-row-state")).toHaveTextContent("Paused");
    const shown = await pickFile();
    const reasons = within(shown).getAllByTestId("run-excluded-row");
    expect(reasons[0]).toHaveTextContent("The amount must be a whole number of won, 1 or more");
    expect(reasons[1]).toHaveTextContent("Billing key: Deleted");
    expect(shown).not.toHaveTextContent("runs.");
  });
});
