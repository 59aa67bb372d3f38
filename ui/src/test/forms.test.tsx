import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChargeNowInput, ProfileInput } from "../bindings";
import i18n from "../i18n";
import { ChargeModal } from "../pages/customers/ChargeModal";
import { ProfilesSection } from "../pages/settings/ProfilesSection";
import { appStatus, customer, profile, SETTINGS, readAmounts } from "./fixtures";
import { renderScreen } from "./render";

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

/** The text Mantine shows under an input (the element its aria-describedby names). */
function errorUnder(input: HTMLElement): string | null {
  const ids = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id.endsWith("-error"));
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ") || null;
}

const RULES = { max_amount: 100_000_000, installment_min_amount: 70_000, installment_max_months: 36, order_name_max_chars: 40, refund_reason_max_chars: 200 };

describe("the charge form's notes come from Rust", () => {
  it("shows the VAT and the instalment minimum Rust computes, not copies of its own", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "new_order_id") return "sd-INTENT2";
      if (cmd === "money_rules") return RULES;
      if (cmd === "read_amounts") {
        asked.push(args);
        // Deliberately not 12000/11: the figure shown is Rust's answer, whatever it is.
        return { ...readAmounts(args), vat: 1234 };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<ChargeModal customer={customer("c1", "김민준")} opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("charge-amount"), "12000");
    // Grouped as typed, read as the same whole won.
    expect(screen.getByTestId("charge-amount")).toHaveValue("12,000");
    await waitFor(() => expect(screen.getByTestId("charge-vat").textContent).toContain("1,234"));
    // The text as typed goes to Rust, which reads it: the form parses no money itself.
    expect(asked).toContainEqual({ amount: "12,000", taxFree: "" });
    expect(await screen.findByText(/70,000/)).toBeTruthy();
  });
});

describe("typed amounts are Rust's to read", () => {
  it("sends the won Rust read and marks the field Rust could not read, sending nothing", async () => {
    const sent: ChargeNowInput[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "new_order_id") return "sd-INTENT1";
      if (cmd === "money_rules") return RULES;
      if (cmd === "charge_now") {
        sent.push((args as { input: ChargeNowInput }).input);
        return { status: "paid", merchant_uid: "sd-INTENT1", imp_uid: "imp_1", amount: 30000, replayed: false, fail_reason: null };
      }
      if (cmd === "read_amounts") {
        const { amount } = args as { amount: string };
        // Rust's reading, deliberately not the typed figure: what is sent must be it.
        if (amount === "3만원") return { amount: null, tax_free: 0, vat: null };
        return { amount: 31000, tax_free: 0, vat: 2818 };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<ChargeModal customer={customer("c1", "김민준")} opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("charge-amount"), "3만원");
    await userEvent.type(screen.getByTestId("charge-name"), "11월 구독료");
    await waitFor(() => expect(screen.getByTestId("charge-submit")).not.toBeDisabled());
    await userEvent.click(screen.getByTestId("charge-submit"));
    const amount = screen.getByTestId("charge-amount");
    await waitFor(() => expect(amount).toHaveAttribute("aria-invalid", "true"));
    expect(sent).toHaveLength(0);

    await userEvent.clear(amount);
    await userEvent.type(amount, "30000");
    await userEvent.click(screen.getByTestId("charge-submit"));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.amount).toBe(31000);
  });
});

describe("a form shows Rust's refusal on the field Rust names", () => {
  it("puts the instalment rule, which only Rust checks, under the instalment field", async () => {
    const sent: ChargeNowInput[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "new_order_id") return "sd-INTENT1";
      if (cmd === "money_rules") return RULES;
      if (cmd === "charge_now") {
        sent.push((args as { input: ChargeNowInput }).input);
        throw { code: "invalid_input", message: "invalid card_quota: instalments need an amount of at least 50,000 won", details: { field: "card_quota" } };
      }
      if (cmd === "read_amounts") return readAmounts(args);
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<ChargeModal customer={customer("c1", "김민준")} opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("charge-amount"), "12000");
    await userEvent.type(screen.getByTestId("charge-name"), "11월 구독료");
    await userEvent.click(screen.getByTestId("charge-quota"));
    await userEvent.click(await screen.findByRole("option", { name: "2개월", hidden: true }));
    await waitFor(() => expect(screen.getByTestId("charge-submit")).not.toBeDisabled());
    await userEvent.click(screen.getByTestId("charge-submit"));

    // The form let it through (no minimum of its own); Rust refused and named the field.
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.card_quota).toBe(2);
    const quota = screen.getByTestId("charge-quota");
    await waitFor(() => expect(quota).toHaveAttribute("aria-invalid", "true"));
    expect(errorUnder(quota)).toBe("할부 조건에 맞지 않습니다. 할부 개월과 금액을 확인하세요.");
    expect(screen.getByTestId("charge-amount")).not.toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByTestId("charge-error")).toBeNull();
  });

  it("shows a profile field error under its field, and a refusal without a field above the buttons", async () => {
    const saved: ProfileInput[] = [];
    const answers = [
      { code: "invalid_tier", message: "invalid tier", details: { field: "tier" } },
      { code: "read_only", message: "the profile is read-only", details: { profile_id: "p" } },
    ];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("p", "Sandbox"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "list_profiles") return [];
      if (cmd === "add_profile") {
        saved.push((args as { input: ProfileInput }).input);
        throw answers.shift();
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<ProfilesSection />);
    await userEvent.click(await screen.findByTestId("add-profile"));
    await userEvent.type(await screen.findByTestId("profile-name"), "테스트 상점");
    await userEvent.type(screen.getByTestId("profile-tier"), "x1");
    await userEvent.click(screen.getByTestId("profile-save"));

    const tier = screen.getByTestId("profile-tier");
    await waitFor(() => expect(tier).toHaveAttribute("aria-invalid", "true"));
    expect(errorUnder(tier)).toBe("Tier 코드는 영문 대문자와 숫자 3자리입니다.");
    expect(saved[0]?.tier).toBe("X1");
    expect(screen.getByTestId("profile-name")).not.toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByTestId("profile-error")).toBeNull();

    // Typing in the field clears its error; a refusal that names no field is the form's.
    await userEvent.type(tier, "2");
    expect(tier).not.toHaveAttribute("aria-invalid", "true");
    await userEvent.click(screen.getByTestId("profile-save"));
    expect(await screen.findByTestId("profile-error")).toHaveTextContent("조회 전용 프로필에서는 변경할 수 없습니다.");
    expect(tier).not.toHaveAttribute("aria-invalid", "true");
  });
});
