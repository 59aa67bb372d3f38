import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { beforeEach, describe, expect, it } from "vitest";
import type { Dashboard as DashboardView, Payment, PaymentQuery, ScheduleQuery } from "../bindings";
import i18n from "../i18n";
import { paymentLinkPath, readPaymentStart, readScheduleStart, scheduleLinkPath } from "../lib/listLinks";
import { Dashboard } from "../pages/Dashboard";
import { PaymentsPage } from "../pages/payments/PaymentsPage";
import { Schedules } from "../pages/Schedules";
import { SETTINGS, appStatus, dashboardFixture, paymentFigure, profile } from "./fixtures";
import { renderScreen } from "./render";

const PAYMENT: Payment = {
  imp_uid: "imp_1", merchant_uid: "order-1", customer_uid: "c1", status: "paid", amount: 10_000, amount_text: "10000", cancel_amount: 0, currency: "KRW",
  pg_provider: "nice", pay_method: "card", name: "월 구독", buyer_name: "김민준", buyer_email: null, buyer_tel: null, apply_num: "00123", card_name: "신한카드",
  card_number: null, started_at: null, paid_at: 1_795_000_000, failed_at: null, cancelled_at: null, event_at: 1_795_000_000, fail_reason: null, cancel_reason: null,
};
const NOVEMBER = { first_day: "2026-11-01", last_day: "2026-11-30", from: 1_793_458_800, to: 1_796_050_799 };
const NEXT_WEEK = { from: 1_795_532_400, to: 1_796_137_199 };

/**
 * The Rust side of these screens: the dashboard `dash`, and lists whose count is the
 * figure's only when asked exactly the figure's filter (anything else counts 999).
 */
function mockRust(dash: DashboardView, asked: { payments: PaymentQuery[]; schedules: ScheduleQuery[]; dashboards: unknown[] }) {
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "app_status":
        return appStatus(profile("a", "가게 A"));
      case "get_settings":
        return SETTINGS;
      case "dashboard":
        asked.dashboards.push(a);
        return dash;
      case "overview":
        return { customers: 3, active_keys: 2, unknown_keys: 0, unverified_keys: 0, deleted_keys: 0, payments: 5, paid_total_krw_30d: 0, cancelled_total_krw_30d: 0, failed_30d: 0, upcoming_schedules: 0, last_sync_at: null };
      case "journal":
        return [];
      case "date_range":
        return a.preset === "this_month" ? NOVEMBER : { first_day: "2000-01-01", last_day: "2000-01-01", from: 0, to: 1 };
      case "day_range":
        return a.firstDay === "2026-11-25" && a.lastDay === "2026-12-01" ? NEXT_WEEK : { from: 5, to: 6 };
      case "payment_facets":
        return { pg_providers: ["nice"], pay_methods: ["card"], card_names: [] };
      case "list_payments":
        return { items: [PAYMENT], next_cursor: null };
      case "payment_window":
        return { snapshot: 1, count: 1, newer: 0 };
      case "list_payments_at":
        return [PAYMENT];
      case "open_payment_window":
        return { window: { snapshot: 1, count: 1, newer: 0 }, first_page: [PAYMENT] };
      case "payment_totals": {
        const q = a.query as PaymentQuery;
        asked.payments.push(q);
        const month = q.from === NOVEMBER.from && q.to === NOVEMBER.to && q.text === null && q.pg_provider === null && q.plan_code === null && !q.plans_only;
        const paidBasis = month && q.time_field === "paid" && (q.status ?? []).join() === "paid,cancelled";
        const count = paidBasis && q.refunded_only ? dash.refunds.count : paidBasis ? dash.gross.count : month && q.time_field === "failed" && (q.status ?? []).join() === "failed" && !q.refunded_only ? dash.failed.count : 999;
        return { count, amount: 0, refunded: 0, net: 0, other_currency: 0 };
      }
      case "list_schedules":
        return { items: [], next_cursor: null };
      case "schedule_totals": {
        const q = a.query as ScheduleQuery;
        asked.schedules.push(q);
        const exact = (q.states ?? []).join() === "scheduled" && q.from === NEXT_WEEK.from && q.to === NEXT_WEEK.to + 1 && q.pg === null && q.text === null;
        return { count: exact ? dash.next_week.count : 999, amount: 0, by_state: [] };
      }
      case "schedule_pgs":
        return [];
      default:
        return null;
    }
  });
}

function nth<T>(list: T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new Error(`no item ${i}`);
  return v;
}

function screens() {
  return (
    <Routes>
      <Route path="/" element={<Dashboard />} />
      <Route path="/payments" element={<PaymentsPage />} />
      <Route path="/schedules" element={<Schedules />} />
    </Routes>
  );
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("ko");
});

describe("the dashboard", () => {
  it("shows Rust's figures for the chosen period and asks again when the period changes", async () => {
    const asked = { payments: [], schedules: [], dashboards: [] as unknown[] };
    mockRust(dashboardFixture(), asked);
    renderScreen(screens());
    expect(await screen.findByTestId("figure-gross-value")).toHaveTextContent("₩1,234,000");
    expect(screen.getByTestId("figure-refunds-value")).toHaveTextContent("₩34,000");
    expect(screen.getByTestId("figure-net-value")).toHaveTextContent("₩1,200,000");
    expect(screen.getByTestId("figure-failed-value")).toHaveTextContent("12.5%");
    expect(screen.getByTestId("figure-failed")).toHaveTextContent("시도 48건 중 실패 6건");
    expect(screen.getByTestId("figure-plans")).toHaveTextContent("활성 구독 5건 · 매월 ₩145,000");
    expect(screen.getByTestId("figure-next-week-value")).toHaveTextContent("₩40,000");
    expect(asked.dashboards.at(-1)).toEqual({ preset: "this_month" });
    await userEvent.click(within(screen.getByTestId("dashboard-period")).getByText("지난 달"));
    await waitFor(() => expect(asked.dashboards.at(-1)).toEqual({ preset: "last_month" }));
    // Remembered for the next time.
    expect(localStorage.getItem("subdesk.dashboard.preset")).toBe('"last_month"');
  });

  for (const [figure, list] of [
    ["figure-gross", "paid"],
    ["figure-net", "paid"],
    ["figure-refunds", "refunded"],
    ["figure-failed", "failed"],
  ] as const) {
    it(`${figure} opens the payments list filtered to what it counts, with the same count`, async () => {
      const asked = { payments: [] as PaymentQuery[], schedules: [], dashboards: [] };
      const dash = dashboardFixture();
      mockRust(dash, asked);
      renderScreen(screens());
      const card = await screen.findByTestId(figure);
      const count = Number(card.getAttribute("data-count"));
      await userEvent.click(card);
      expect(await screen.findByTestId("totals-count")).toHaveTextContent(`${count}건`);
      expect(count).toBe({ paid: dash.gross.count, refunded: dash.refunds.count, failed: dash.failed.count }[list]);
      const q = asked.payments.at(-1);
      expect(q?.refunded_only).toBe(list === "refunded");
      // The list shows the filter it was opened with.
      expect(screen.getByTestId("filter-period")).toHaveValue("이번 달");
      if (list === "refunded") expect(screen.getByTestId("filter-refunded-only")).toBeInTheDocument();
    });
  }

  it("the next 7 days open the schedules list of those days, with the same count", async () => {
    const asked = { payments: [], schedules: [] as ScheduleQuery[], dashboards: [] };
    mockRust(dashboardFixture(), asked);
    renderScreen(screens());
    await userEvent.click(await screen.findByTestId("figure-next-week"));
    expect(await screen.findByTestId("schedule-total")).toHaveTextContent("4건");
    expect(screen.getByTestId("schedule-from")).toHaveValue("2026-11-25");
    expect(screen.getByTestId("schedule-to")).toHaveValue("2026-12-01");
  });

  it("without plans says so and points to schedules", async () => {
    const asked = { payments: [], schedules: [], dashboards: [] };
    mockRust(dashboardFixture({ by_plan: [], plans: { plans: 0, active_subscriptions: 0, monthly_recurring: 0, paid: paymentFigure(0, 0, 0, { plans_only: true }) } }), asked);
    renderScreen(screens());
    expect(await screen.findByTestId("figure-plans-value")).toHaveTextContent("₩0");
    expect(screen.getByTestId("figure-plans")).toHaveTextContent("등록된 요금제가 없습니다");
    await userEvent.click(within(screen.getByTestId("no-plans")).getByRole("button"));
    expect(await screen.findByTestId("schedule-states")).toBeInTheDocument();
  });

  it("a bar's link survives the address: PG, plan and day filters", () => {
    const d = dashboardFixture();
    const pg = readPaymentStart(new URL(paymentLinkPath(nth(d.by_pg, 0).figure.link), "http://x").searchParams);
    expect(pg).toMatchObject({ timeField: "paid", status: ["paid", "cancelled"], preset: "this_month", pg: "nice", planCode: null, plansOnly: false, refundedOnly: false });
    const plan = readPaymentStart(new URL(paymentLinkPath(nth(d.by_plan, 0).figure.link), "http://x").searchParams);
    expect(plan.planCode).toBe("gold");
    const day = readPaymentStart(new URL(paymentLinkPath(nth(d.daily, 1).figure.link), "http://x").searchParams);
    expect(day).toMatchObject({ preset: null, days: ["2026-11-02", "2026-11-02"] });
    const plans = readPaymentStart(new URL(paymentLinkPath(d.plans.paid.link), "http://x").searchParams);
    expect(plans.plansOnly).toBe(true);
    const week = readScheduleStart(new URL(scheduleLinkPath(d.next_week.link), "http://x").searchParams);
    expect(week).toEqual({ states: ["scheduled"], first: "2026-11-25", last: "2026-12-01" });
  });
});

describe("the payments list's column chooser", () => {
  it("shows and hides columns and remembers the choice", async () => {
    const asked = { payments: [], schedules: [], dashboards: [] };
    mockRust(dashboardFixture(), asked);
    const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent);
    const first = renderScreen(screens(), { path: "/payments" });
    await screen.findByTestId("totals-count");
    expect(headers()).toContain("구매자");
    expect(headers()).not.toContain("주문번호");
    await userEvent.click(screen.getByTestId("payment-column-chooser"));
    await userEvent.click(await screen.findByTestId("payment-column-buyer"));
    await userEvent.click(screen.getByTestId("payment-column-merchant_uid"));
    await waitFor(() => expect(headers()).toContain("주문번호"));
    expect(headers()).not.toContain("구매자");
    first.unmount();
    renderScreen(screens(), { path: "/payments" });
    await screen.findByTestId("totals-count");
    expect(headers()).toContain("주문번호");
    expect(headers()).not.toContain("구매자");
  });
});
