import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChargeNeeds, ChargeNowInput, ChargeResult, Customer } from "../bindings";
import i18n from "../i18n";
import { ChargeModal } from "../pages/customers/ChargeModal";
import { renderScreen } from "./render";
import { readAmounts } from "./fixtures";

const customer: Customer = {
  customer_uid: "c1",
  pg_provider: "nice",
  pg_id: null,
  card_name: "신한카드",
  card_number: "4512-34**-****-1111",
  card_last4: "1111",
  card_type: 0,
  customer_name: "김민준",
  customer_tel: null,
  customer_email: null,
  customer_addr: null,
  customer_postcode: null,
  sandbox: true,
  issued_at: 1_700_000_000,
  updated_at: null,
  key_status: "active",
  last_verified_at: null,
  notes: "",
  tags: [],
  created_local_at: 1_700_000_000,
};

function result(status: ChargeResult["status"], replayed: boolean, merchant_uid: string): ChargeResult {
  return { journal_id: 1, merchant_uid, status, amount: 12000, imp_uid: status === "paid" ? "imp_1" : null, fail_reason: null, replayed };
}

/** The shell's commands, plus a charge whose first answer is lost. */
function mockApp(answers: Array<(input: ChargeNowInput) => ChargeResult>, needs: ChargeNeeds = { product_type_required: false, product_type: null }) {
  const sent: ChargeNowInput[] = [];
  const calls: string[] = [];
  let orders = 0;
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "new_order_id") return `sd-INTENT${++orders}`;
    if (cmd === "charge_needs") return needs;
    if (cmd === "charge_now") {
      const input = (args as { input: ChargeNowInput }).input;
      sent.push(input);
      const next = answers.shift();
      if (!next) throw { code: "internal", message: "no more answers", details: null };
      return next(input);
    }
    if (cmd === "reconcile_now") return { checked: 1, resolved: 1, still_open: 0, by_outcome: {}, entries: [], errors: [], started_at: 0, finished_at: 0 };
    if (cmd === "get_settings") return { language: "ko", time_zones: ["Asia/Seoul"] };
    if (cmd === "app_status") {
      const profile = { id: "p", name: "Sandbox", mode: "sandbox", base_url: "http://127.0.0.1:1", time_zone: "Asia/Seoul", read_only: false };
      return { version: "0", active_profile: profile, profiles: [profile], sandbox_url: null, session_error: null, lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } } };
    }
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { sent, calls };
}

async function fillAndCharge(c: Customer = customer) {
  renderScreen(<ChargeModal customer={c} opened onClose={() => {}} />);
  await userEvent.type(await screen.findByTestId("charge-amount"), "12000");
  await userEvent.type(screen.getByTestId("charge-name"), "11월 구독료");
  await waitFor(() => expect(screen.getByTestId("charge-submit")).not.toBeDisabled());
  await userEvent.click(screen.getByTestId("charge-submit"));
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("a charge is one intent with one order id", () => {
  it("checks and asks again with the same order id after a lost answer", async () => {
    const { sent, calls } = mockApp([(i) => result("unknown", false, i.merchant_uid ?? "?"), (i) => result("paid", true, i.merchant_uid ?? "?")]);
    await fillAndCharge();
    await screen.findByTestId("charge-unknown");
    await userEvent.click(screen.getByTestId("charge-check-now"));
    const paid = await screen.findByTestId("charge-paid");
    expect(paid).toHaveTextContent("앞서 보낸 같은 결제의 결과");
    expect(sent.map((s) => s.merchant_uid)).toEqual(["sd-INTENT1", "sd-INTENT1"]);
    expect(calls.filter((c) => c === "new_order_id")).toHaveLength(1);
    expect(calls.indexOf("reconcile_now")).toBeLessThan(calls.lastIndexOf("charge_now"));
  });

  it("keeps the order id when pressed again after an error, and takes a new one only to charge once more", async () => {
    const { sent } = mockApp([
      () => {
        throw { code: "charge_unresolved", message: "being checked", details: { merchant_uid: "sd-INTENT1" } };
      },
      () => {
        throw { code: "recent_same_charge", message: "paid moments ago", details: { merchant_uid: "sd-OLD" } };
      },
      (i) => result("paid", false, i.merchant_uid ?? "?"),
    ]);
    await fillAndCharge();
    expect(await screen.findByTestId("charge-error")).toHaveTextContent("결과를 확인 중");
    await userEvent.click(screen.getByTestId("charge-submit"));
    expect(await screen.findByTestId("charge-error")).toHaveTextContent("방금 승인");
    await userEvent.click(screen.getByTestId("charge-once-more"));
    await screen.findByTestId("charge-paid");
    expect(sent.map((s) => s.merchant_uid)).toEqual(["sd-INTENT1", "sd-INTENT1", "sd-INTENT2"]);
  });
});

describe("KSNET's kind of goods on a charge", () => {
  const ksnet: Customer = { ...customer, customer_uid: "ks1", pg_provider: "ksnet" };

  it("uses the kind kept with the key unless another is chosen", async () => {
    const { sent } = mockApp([(i) => result("paid", false, i.merchant_uid ?? "?")], { product_type_required: true, product_type: "digital" });
    renderScreen(<ChargeModal customer={ksnet} opened onClose={() => {}} />);
    const select = await screen.findByTestId("charge-product-type");
    expect(select.closest(".mantine-InputWrapper-root")?.textContent).toContain("빌링키에 보관된 유형: 디지털 상품·서비스 (digital)");
    await userEvent.type(screen.getByTestId("charge-amount"), "12000");
    await userEvent.type(screen.getByTestId("charge-name"), "11월 구독료");
    await waitFor(() => expect(screen.getByTestId("charge-submit")).not.toBeDisabled());
    await userEvent.click(screen.getByTestId("charge-submit"));
    await screen.findByTestId("charge-paid");
    expect(sent[0]?.product_type).toBeNull();
  });

  it("asks for it on a key that has none, and shows Rust's refusal under it", async () => {
    mockApp(
      [
        () => {
          throw { code: "invalid_input", message: "product_type: this PG needs the kind of goods", details: { field: "product_type" } };
        },
      ],
      { product_type_required: true, product_type: null },
    );
    await fillAndCharge(ksnet);
    const select = await screen.findByTestId("charge-product-type");
    await waitFor(() => expect(select).toHaveAttribute("aria-invalid", "true"));
  });

  it("does not ask where the PG does not need it", async () => {
    const { sent } = mockApp([(i) => result("paid", false, i.merchant_uid ?? "?")]);
    await fillAndCharge();
    await screen.findByTestId("charge-paid");
    expect(screen.queryByTestId("charge-product-type")).toBeNull();
    expect(sent[0]?.product_type).toBeNull();
  });
});
