import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import type { PlanSummary } from "../bindings";
import i18n from "../i18n";
import { PlansPage } from "../pages/plans/PlansPage";
import { SETTINGS, appStatus, profile } from "./fixtures";
import { renderScreen } from "./render";

const plan = (code: string, over: Partial<PlanSummary["plan"]> = {}): PlanSummary["plan"] => ({
  code,
  name: `${code} plan`,
  amount: 9900,
  currency: "KRW",
  tax_free: 0,
  interval: { kind: "monthly", day: 31 },
  start_at: 1_900_000_000,
  end_at: null,
  max_periods: null,
  dunning: { ladder: [1, 3, 5, 7], end: "keep" },
  first_charge: false,
  created_at: 1,
  archived_at: null,
  ...over,
});

const SUMMARIES: PlanSummary[] = [
  { plan: plan("gold"), subscribers: 3, paused: 1, mrr: 19800, next_run_at: 1_900_000_000, next_run_count: 2, next_run_total: 19800 },
  { plan: plan("weekly", { interval: { kind: "every_days", days: 14 } }), subscribers: 0, paused: 0, mrr: 0, next_run_at: null, next_run_count: 0, next_run_total: 0 },
  { plan: plan("old", { archived_at: 5 }), subscribers: 1, paused: 0, mrr: 9900, next_run_at: null, next_run_count: 0, next_run_total: 0 },
];

function mockApp(summaries: PlanSummary[], language: "ko" | "en") {
  mockIPC((cmd) => {
    if (cmd === "get_settings") return { ...SETTINGS, language };
    if (cmd === "app_status") return appStatus(profile("p", "Sandbox", "sandbox"));
    if (cmd === "list_plans") return summaries;
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the plans page shows Rust's figures", () => {
  it("lists open plans with subscribers, MRR and the next run's count and total, in Korean", async () => {
    mockApp(SUMMARIES, "ko");
    renderScreen(<PlansPage />);
    const rows = await screen.findAllByTestId("plan-row");
    expect(rows.map((r) => r.getAttribute("data-code"))).toEqual(["gold", "weekly"]);
    const [gold, weekly] = rows as [HTMLElement, HTMLElement];
    expect(within(gold).getByText("매월 말일")).toBeInTheDocument();
    expect(within(gold).getByTestId("plan-subscribers")).toHaveTextContent("3명");
    expect(within(gold).getByTestId("plan-subscribers")).toHaveTextContent("일시 중지 1");
    expect(within(gold).getByTestId("plan-mrr")).toHaveTextContent("19,800");
    expect(within(gold).getByTestId("plan-next-run")).toHaveTextContent("2명 · ");
    expect(within(weekly).getByText("2주마다")).toBeInTheDocument();
    expect(within(weekly).getByTestId("plan-next-run")).toHaveTextContent("없음");
    expect(screen.getByTestId("plans-show-archived")).toBeInTheDocument();
  });

  it("speaks English and says there are none yet", async () => {
    mockApp([], "en");
    await i18n.changeLanguage("en");
    renderScreen(<PlansPage />);
    expect(await screen.findByText("No plans yet")).toBeInTheDocument();
    expect(screen.getByTestId("plan-new")).toHaveTextContent("New plan");
  });
});
