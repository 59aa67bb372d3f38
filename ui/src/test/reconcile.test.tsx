import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { PeriodComparison } from "../bindings";
import i18n from "../i18n";
import { ReconcilePage } from "../pages/reconcile/ReconcilePage";
import { SETTINGS, appStatus, profile } from "./fixtures";
import { renderScreen } from "./render";

const side = (status: "paid" | "cancelled", amount: number, cancel_amount = 0) => ({ status, amount, cancel_amount, currency: "KRW" });

/** What Rust answers: a late partial refund and a payment only the store has; after "apply", the refund matched. */
function comparison(applied: boolean): PeriodComparison {
  return {
    from: 0,
    to: 1,
    theirs: { count: 10, amount: 100_000, refunded: 3_000 },
    ours: { count: 11, amount: 101_000, refunded: 0 },
    counts: [
      ["missing_there", 1],
      ["refunded", 1],
    ],
    differences: [
      { kind: "refunded", imp_uid: "imp_late", merchant_uid: "order-late", customer_uid: "c1", ours: side("paid", 10_000), theirs: side("paid", 10_000, 3_000), applied },
      { kind: "missing_there", imp_uid: "imp_ghost", merchant_uid: "order-ghost", customer_uid: null, ours: side("paid", 1_000), theirs: null, applied: false },
    ],
    differences_total: 2,
    applied: applied ? 1 : 0,
    unchecked: 0,
    open_journal: [],
    checked_at: 1,
  };
}

describe("the reconciliation screen", () => {
  const asked: { period: unknown; apply: boolean }[] = [];
  beforeEach(async () => {
    asked.length = 0;
    await i18n.changeLanguage("ko");
    mockIPC((cmd, args) => {
      const a = args as { period: unknown; apply: boolean };
      if (cmd === "app_status") return appStatus(profile("p", "가게"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "refresh_status") return { days: 35, running: false, profile_id: "p", finished_at: 1_795_000_000, applied: 2, error: null };
      if (cmd === "compare_period") {
        asked.push(a);
        return comparison(a.apply);
      }
      throw new Error(`unexpected ${cmd}`);
    });
  });

  it("compares the chosen month, shows each difference in words and matches only what i'mport can decide", async () => {
    renderScreen(<ReconcilePage />);
    expect(await screen.findByTestId("reconcile-background")).toHaveTextContent("최근 35일 자동 확인");
    await userEvent.click(screen.getByTestId("reconcile-compare"));
    const rows = await screen.findAllByTestId("reconcile-row");
    expect(rows.map((r) => r.dataset.kind)).toEqual(["refunded", "missing_there"]);
    const [late, ghost] = rows as [HTMLElement, HTMLElement];
    expect(within(late).getByText("환불액 다름")).toBeInTheDocument();
    expect(late).toHaveTextContent("환불 ₩3,000");
    expect(within(ghost).getByText("i'mport에 없음")).toBeInTheDocument();
    expect(asked[0]).toMatchObject({ apply: false, period: { kind: "month" } });

    // The payment i'mport does not know is for a person: one of the two is matched.
    const apply = screen.getByTestId("reconcile-apply");
    expect(apply).toHaveTextContent("1건 맞추기");
    await userEvent.click(apply);
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ apply: true }));
    expect(await screen.findByTestId("reconcile-applied")).toHaveTextContent("1건을 i'mport의 기록으로 바꿨습니다.");
    expect(asked.at(-1)?.period).toEqual(asked[0]?.period);
  });
});
