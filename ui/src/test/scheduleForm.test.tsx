import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { ScheduleForm } from "../bindings";
import i18n from "../i18n";
import { ScheduleModal } from "../pages/schedules/ScheduleModal";
import { SETTINGS, appStatus, customer, profile, readAmounts } from "./fixtures";
import { renderScreen } from "./render";

/** The shell's commands, and a Rust side that refuses the form as `refusal` says. */
function mockApp(refusal: ((form: ScheduleForm) => unknown) | null, mode: "sandbox" | "live" = "sandbox", language: "ko" | "en" = "ko") {
  const previews: ScheduleForm[] = [];
  const registered: ScheduleForm[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "get_settings") return { ...SETTINGS, language };
    if (cmd === "app_status") return appStatus(profile("p", "Sandbox", mode));
    if (cmd === "new_order_id") return "sd-INTENT1";
    if (cmd === "charge_needs") return { product_type_required: false, product_type: null };
    if (cmd === "schedule_preview") {
      const form = (args as { form: ScheduleForm }).form;
      previews.push(form);
      const refused = refusal?.(form);
      if (refused) throw refused;
      return { customer_uid: "c1", customer_name: "김민준", card_name: null, card_number: null, name: form.name, schedule_at: 1_900_000_000, time_zone: "Asia/Seoul", total: form.amount, vat: 1091, live: mode === "live" };
    }
    if (cmd === "register_schedule") {
      registered.push((args as { form: ScheduleForm }).form);
      return { journal_id: 1, merchant_uid: "sd-INTENT1", status: "done" };
    }
    if (cmd === "schedule_detail") return { schedule: { schedule_at: 1_900_000_000 }, when: { date: "2030-03-17", time: "10:00" }, time_zone: "Asia/Seoul" };
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { previews, registered };
}

async function fill(values: { date?: string; time?: string; amount?: string; name?: string; taxFree?: string }) {
  renderScreen(<ScheduleModal customer={customer("c1", "김민준")} opened onClose={() => {}} />);
  const date = await screen.findByTestId("schedule-date");
  if (values.date) await userEvent.type(date, values.date);
  const time = screen.getByTestId("schedule-time");
  if (values.time !== undefined) {
    await userEvent.clear(time);
    if (values.time) await userEvent.type(time, values.time);
  }
  if (values.amount) await userEvent.type(screen.getByTestId("schedule-amount"), values.amount);
  if (values.taxFree) await userEvent.type(screen.getByTestId("schedule-tax-free"), values.taxFree);
  if (values.name) await userEvent.type(screen.getByTestId("schedule-name"), values.name);
  await waitFor(() => expect(screen.getByTestId("schedule-submit")).not.toBeDisabled());
  await userEvent.click(screen.getByTestId("schedule-submit"));
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the schedule form shows Rust's problems on its fields", () => {
  it("puts every problem Rust names under its own field, and registers nothing", async () => {
    const { previews, registered } = mockApp(() => ({
      code: "invalid_form",
      message: "nothing was sent",
      details: {
        problems: [
          { field: "date", code: "date_past" },
          { field: "time", code: "time_format" },
          { field: "amount", code: "amount_too_large" },
          { field: "tax_free", code: "tax_free_range" },
          { field: "name", code: "too_long" },
        ],
      },
    }));
    await fill({ date: "2020-01-01", time: "25:99", amount: "200000000", taxFree: "5", name: "가나다" });
    const under = (id: string) => screen.getByTestId(id).closest(".mantine-InputWrapper-root")?.textContent ?? "";
    await waitFor(() => expect(under("schedule-date")).toContain("이미 지난 시각입니다"));
    expect(under("schedule-time")).toContain("HH:MM");
    expect(under("schedule-amount")).toContain("한 번에 결제할 수 있는 금액보다 큽니다");
    expect(under("schedule-tax-free")).toContain("면세 금액은 0원 이상");
    expect(under("schedule-name")).toContain("너무 깁니다");
    // The whole form went to Rust as typed: the date and time in `when`.
    expect(previews[0]?.when).toEqual({ date: "2020-01-01", time: "25:99" });
    expect(registered).toEqual([]);
    expect(screen.queryByTestId("schedule-error")).toBeNull();
  });

  it("shows an error no field owns as a whole, in English too", async () => {
    await i18n.changeLanguage("en");
    mockApp(() => ({ code: "key_not_active", message: "the key is deleted", details: null }), "sandbox", "en");
    await fill({ date: "2030-03-17", amount: "12000", name: "April" });
    expect(await screen.findByTestId("schedule-error")).toHaveTextContent(/billing key is not active/i);
  });

  it("registers with the intent's order id once Rust has no problem", async () => {
    const { registered } = mockApp(null);
    await fill({ date: "2030-03-17", amount: "12,000", name: "4월 정기결제" });
    await screen.findByTestId("schedule-done");
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({ customer_uid: "c1", amount: 12000, merchant_uid: "sd-INTENT1", when: { date: "2030-03-17", time: "10:00" }, confirmed_total: null });
  });

  it("asks a live profile to confirm the total before registering", async () => {
    const { registered } = mockApp(null, "live");
    await fill({ date: "2030-03-17", amount: "12000", name: "4월" });
    expect(await screen.findByTestId("live-confirm")).toBeInTheDocument();
    expect(registered).toEqual([]);
  });
});
