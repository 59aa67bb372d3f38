import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChargeResult, Mode, Payment, PaymentDetail, RetryPlan } from "../bindings";
import i18n from "../i18n";
import { PaymentDrawer } from "../pages/payments/PaymentDrawer";
import { SETTINGS, appStatus, profile, readAmounts } from "./fixtures";
import { renderScreen } from "./render";

const FAILED: Payment = {
  imp_uid: "imp_failed", merchant_uid: "sd-01ORDER", customer_uid: "c1", status: "failed", amount: 4400, amount_text: "4400", cancel_amount: 0, currency: "KRW",
  pg_provider: "nice", pay_method: "card", name: "정기결제 12월", buyer_name: "최셋", buyer_email: null, buyer_tel: null, apply_num: null, card_name: "BC카드",
  card_number: "9410-00**-****-0013", started_at: null, paid_at: null, failed_at: 1_795_000_000, cancelled_at: null, event_at: 1_795_000_000, fail_reason: "[3011] 잔액부족", cancel_reason: null,
};

/** A Rust side with one failed payment; `preview` is what retry_preview answers (or throws). */
function mockApp(mode: Mode, preview: () => RetryPlan) {
  const sent: Array<{ impUid: string; merchantUid: string; confirmedTotal: number | null }> = [];
  let previews = 0;
  mockIPC((cmd, args) => {
    if (cmd === "app_status") return appStatus(profile("p", "가게", mode));
    if (cmd === "get_settings") return SETTINGS;
    if (cmd === "payment_detail") return { payment: FAILED, cancel_history: [], raw_json: "{}", synced_at: 0, receipt_url: null } satisfies PaymentDetail;
    if (cmd === "retry_preview") {
      previews += 1;
      return preview();
    }
    if (cmd === "retry_failed") {
      const a = args as { impUid: string; merchantUid: string; confirmedTotal: number | null };
      sent.push(a);
      const r: ChargeResult = { journal_id: 7, merchant_uid: a.merchantUid, status: "paid", amount: 4400, imp_uid: "imp_paid", fail_reason: null, replayed: false };
      return r;
    }
    if (cmd === "payment_facets" || cmd === "overview") return null;
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { sent, previews: () => previews };
}

function plan(over: Partial<RetryPlan> = {}): RetryPlan {
  return { imp_uid: "imp_failed", customer_uid: "c1", customer_name: "최셋", card_name: "BC카드", card_number: "9410-00**-****-0013", name: "정기결제 12월", total: 4400, tax_free: null, vat: 400, merchant_uid: "sd-01ORDER", same_order: true, live: false, ...over };
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("a failed charge retried from its drawer", () => {
  it("sends the order id Rust chose, once, and does not re-arm", async () => {
    const { sent } = mockApp("sandbox", () => plan());
    renderScreen(<PaymentDrawer impUid="imp_failed" onClose={() => {}} />);
    expect(await screen.findByTestId("retry-order")).toHaveTextContent("같은 주문번호(sd-01ORDER)");
    await userEvent.click(screen.getByTestId("retry-submit"));
    expect(await screen.findByTestId("retry-result")).toHaveTextContent("결제되었습니다");
    expect(sent).toEqual([{ impUid: "imp_failed", merchantUid: "sd-01ORDER", confirmedTotal: null }]);
    expect(screen.queryByTestId("retry-submit")).toBeNull();
  });

  it("keeps a new order id for the drawer's life and confirms the live total", async () => {
    let n = 0;
    const { sent } = mockApp("live", () => plan({ same_order: false, merchant_uid: `sd-NEW${++n}`, live: true }));
    renderScreen(<PaymentDrawer impUid="imp_failed" onClose={() => {}} />);
    expect(await screen.findByTestId("retry-order")).toHaveTextContent("새 주문번호(sd-NEW1)");
    await userEvent.click(screen.getByTestId("retry-submit"));
    await userEvent.click(await screen.findByTestId("live-confirm-button"));
    await screen.findByTestId("retry-result");
    expect(sent).toEqual([{ impUid: "imp_failed", merchantUid: "sd-NEW1", confirmedTotal: 4400 }]);
  });

  it("says in the user's words why a payment cannot be retried", async () => {
    mockApp("sandbox", () => {
      throw { code: "not_retryable", message: "a plan's period is retried by its plan", details: null };
    });
    renderScreen(<PaymentDrawer impUid="imp_failed" onClose={() => {}} />);
    expect(await screen.findByTestId("retry-unavailable")).toHaveTextContent("요금제 결제는 요금제가 다시 시도합니다");
    expect(screen.queryByTestId("retry-submit")).toBeNull();
  });
});
