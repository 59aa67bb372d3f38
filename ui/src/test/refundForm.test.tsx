import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { Payment, PaymentDetail, RefundInput, RefundResult, RefundSplit } from "../bindings";
import i18n from "../i18n";
import { PaymentDrawer } from "../pages/payments/PaymentDrawer";
import { renderScreen } from "./render";
import { readAmounts } from "./fixtures";

function payment(cancelled: number): Payment {
  return {
    imp_uid: "imp_tf",
    merchant_uid: "order_tf",
    customer_uid: "c1",
    status: "paid",
    amount: 10000,
    amount_text: "10000",
    cancel_amount: cancelled,
    currency: "KRW",
    pg_provider: "nice",
    pay_method: "card",
    name: "도서",
    buyer_name: "김민준",
    buyer_email: null,
    buyer_tel: null,
    apply_num: "00012345",
    card_name: "신한카드",
    card_number: "4512-34**-****-1111",
    started_at: 1_700_000_000,
    paid_at: 1_700_000_000,
    failed_at: null,
    cancelled_at: cancelled > 0 ? 1_700_000_100 : null,
    event_at: 1_700_000_100,
    fail_reason: null,
    cancel_reason: null,
  };
}

/** A wholly tax-free payment of ₩10,000 at a mocked Rust side that refunds it. */
function mockApp() {
  const sent: RefundInput[] = [];
  const splits: Array<number | null> = [];
  let cancelled = 0;
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    if (cmd === "payment_detail") {
      const detail: PaymentDetail = { payment: payment(cancelled), cancel_history: [], raw_json: "{}", synced_at: 0, receipt_url: null };
      return detail;
    }
    if (cmd === "refund_split") {
      const balance = 10000 - cancelled;
      const amount = (a.amount as number | null) ?? balance;
      splits.push(a.amount as number | null);
      // Wholly tax-free: every won refunded is tax-free.
      const split: RefundSplit = { balance, tax_free_balance: balance, amount, tax_free_min: amount, tax_free_max: amount, tax_free_suggested: amount };
      return split;
    }
    if (cmd === "refund_payment") {
      const input = (a as { input: RefundInput }).input;
      sent.push(input);
      const before = 10000 - cancelled;
      const amount = input.amount ?? before;
      cancelled += amount;
      const r: RefundResult = { journal_id: sent.length, imp_uid: "imp_tf", status: "refunded", amount, checksum: before, remaining: before - amount, replayed: false, tax_free: input.tax_free };
      return r;
    }
    if (cmd === "get_settings") return { language: "ko", time_zones: ["Asia/Seoul"] };
    if (cmd === "app_status") {
      const profile = { id: "p", name: "Sandbox", mode: "sandbox", base_url: "http://127.0.0.1:1", time_zone: "Asia/Seoul", read_only: false };
      return { version: "0", active_profile: profile, profiles: [profile], sandbox_url: null, session_error: null, lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } } };
    }
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { sent, splits };
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("a partial refund of a tax-free payment", () => {
  it("sends the tax-free part from the balance and does not re-arm a full refund", async () => {
    const { sent } = mockApp();
    renderScreen(<PaymentDrawer impUid="imp_tf" onClose={() => {}} />);
    await userEvent.click(await screen.findByText("부분 환불"));
    await userEvent.type(screen.getByTestId("refund-amount"), "4000");
    // The tax-free part is prefilled from the balance's answer for this amount.
    await waitFor(() => expect(screen.getByTestId("refund-tax-free")).toHaveValue("4000"));
    await userEvent.type(screen.getByTestId("refund-reason"), "일부 반품");
    await userEvent.click(screen.getByTestId("refund-submit"));

    await screen.findByTestId("refund-result");
    expect(sent).toEqual([{ imp_uid: "imp_tf", amount: 4000, tax_free: 4000, reason: "일부 반품", confirmed_total: null }]);
    expect(screen.getByTestId("refund-result")).toHaveTextContent("₩4,000");
    expect(screen.getByTestId("refund-result")).toHaveTextContent("₩6,000");
    // Nothing is armed: no submit button until the person asks for another refund.
    expect(screen.queryByTestId("refund-submit")).toBeNull();
    await userEvent.click(screen.getByTestId("refund-again"));
    // It comes back partial and empty, its button disabled: no full refund is one click away.
    expect(screen.getByTestId("refund-amount")).toHaveValue("");
    expect(screen.getByTestId("refund-submit")).toBeDisabled();
    expect(screen.getByTestId("refund-reason")).toHaveValue("");
    expect(sent).toHaveLength(1);
  });
});
