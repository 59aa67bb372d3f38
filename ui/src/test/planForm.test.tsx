import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { PlanForm } from "../bindings";
import i18n from "../i18n";
import { PlanFormModal } from "../pages/plans/PlanFormModal";
import { SETTINGS, appStatus, profile, readAmounts } from "./fixtures";
import { renderScreen } from "./render";

const RULES = { code_max_chars: 10, name_max_chars: 40, month_day_max: 28, every_days_max: 365, every_weeks_max: 52, ladder_steps_max: 5, ladder_days_max: 60, default_dunning: { ladder: [1, 3, 5, 7], end: "keep" } };

/** The shell's commands and a Rust side that refuses the plan as `refusal` says. */
function mockApp(refusal: ((form: PlanForm) => unknown) | null, language: "ko" | "en" = "ko") {
  const created: PlanForm[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "get_settings") return { ...SETTINGS, language };
    if (cmd === "app_status") return appStatus(profile("p", "Sandbox", "sandbox"));
    if (cmd === "plan_rules") return RULES;
    if (cmd === "create_plan") {
      const form = (args as { form: PlanForm }).form;
      const refused = refusal?.(form);
      if (refused) throw refused;
      created.push(form);
      return { code: form.code, name: form.name, amount: form.amount, currency: "KRW", tax_free: 0, interval: { kind: "monthly", day: 1 }, start_at: 1_900_000_000, end_at: null, max_periods: null, dunning: { ladder: form.ladder, end: form.dunning_end }, first_charge: form.first_charge, created_at: 1, archived_at: null };
    }
    if (cmd === "read_amounts") return readAmounts(args);
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { created };
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the plan form shows Rust's problems on its fields", () => {
  it("puts every problem under its own field, and creates nothing", async () => {
    const { created } = mockApp(() => ({
      code: "invalid_form",
      message: "nothing was written",
      details: {
        problems: [
          { field: "code", code: "plan_code_taken" },
          { field: "amount", code: "amount_too_large" },
          { field: "day", code: "out_of_range" },
          { field: "date", code: "date_past" },
          { field: "ladder.2", code: "out_of_range" },
        ],
      },
    }));
    renderScreen(<PlanFormModal opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("plan-code"), "gold");
    await userEvent.type(screen.getByTestId("plan-name"), "골드");
    await userEvent.type(screen.getByTestId("plan-amount"), "99999999999");
    await userEvent.type(screen.getByTestId("plan-date"), "2020-01-01");
    await userEvent.click(screen.getByTestId("plan-submit"));
    expect(await screen.findByText("이미 쓴 코드입니다. 코드는 주문번호에 들어가므로 다시 쓸 수 없습니다.")).toBeInTheDocument();
    expect(screen.getByText("한 번에 결제할 수 있는 금액보다 큽니다.")).toBeInTheDocument();
    expect(screen.getByText("이미 지난 시각입니다. 앞으로의 날짜와 시각을 입력하세요.")).toBeInTheDocument();
    expect(screen.getAllByText("허용 범위를 벗어났습니다.")).toHaveLength(2);
    // Under their own fields, not as one alert.
    expect(screen.getByTestId("plan-code")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("plan-day")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("plan-ladder-2")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("plan-ladder-1")).not.toHaveAttribute("aria-invalid", "true");
    expect(screen.getByTestId("plan-name")).not.toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByTestId("plan-error")).not.toBeInTheDocument();
    expect(created).toHaveLength(0);
  });

  it("sends the form as Rust reads it: whole won, the start's date and time, the interval choice", async () => {
    const { created } = mockApp(null, "en");
    await i18n.changeLanguage("en");
    renderScreen(<PlanFormModal opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("plan-code"), "weekly");
    await userEvent.type(screen.getByTestId("plan-name"), "Weekly box");
    await userEvent.type(screen.getByTestId("plan-amount"), "12,000");
    await userEvent.click(screen.getByTestId("plan-interval"));
    await userEvent.click(await screen.findByText("Every N weeks"));
    const every = await screen.findByTestId("plan-every");
    await userEvent.clear(every);
    await userEvent.type(every, "2");
    await userEvent.type(screen.getByTestId("plan-date"), "2030-01-31");
    await userEvent.click(screen.getByTestId("plan-submit"));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ code: "weekly", name: "Weekly box", amount: 12000, tax_free: 0, interval: "every_weeks", every: 2, start: { date: "2030-01-31", time: "10:00" }, ladder: [1, 3, 5, 7], dunning_end: "keep", first_charge: false });
  });

  it("edits the retry ladder, the end and the first charge, and sends them as Rust reads them", async () => {
    const { created } = mockApp(null, "en");
    await i18n.changeLanguage("en");
    renderScreen(<PlanFormModal opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("plan-code"), "lad");
    await userEvent.type(screen.getByTestId("plan-name"), "Ladder");
    await userEvent.type(screen.getByTestId("plan-amount"), "5000");
    await userEvent.type(screen.getByTestId("plan-date"), "2030-01-31");
    // Rust's default ladder, one field per retry.
    await waitFor(() => expect(screen.getByTestId("plan-ladder-3")).toHaveValue("7"));
    // Remove the second retry (day 3), change the last to 10, add one after it.
    await userEvent.click(screen.getByTestId("plan-ladder-remove-1"));
    const last = screen.getByTestId("plan-ladder-2");
    await userEvent.clear(last);
    await userEvent.type(last, "10");
    await userEvent.click(screen.getByTestId("plan-ladder-add"));
    expect(screen.getByTestId("plan-ladder-3")).toHaveValue("12");
    // Rust's limit of steps (5 here): the add button goes at the limit.
    await userEvent.click(screen.getByTestId("plan-ladder-add"));
    expect(screen.queryByTestId("plan-ladder-add")).not.toBeInTheDocument();
    await userEvent.click(screen.getByTestId("plan-ladder-remove-4"));
    await userEvent.click(screen.getByTestId("plan-dunning-end"));
    await userEvent.click(await screen.findByText("Pause the subscription"));
    await userEvent.click(screen.getByTestId("plan-first-charge"));
    await userEvent.click(screen.getByTestId("plan-submit"));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]).toMatchObject({ ladder: [1, 5, 10, 12], dunning_end: "pause", first_charge: true });
  });

  it("shows a ladder problem Rust names for the whole ladder", async () => {
    mockApp(() => ({ code: "invalid_form", message: "nothing was written", details: { problems: [{ field: "ladder", code: "out_of_range" }] } }));
    renderScreen(<PlanFormModal opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("plan-code"), "x");
    await userEvent.click(screen.getByTestId("plan-submit"));
    expect(await screen.findByText("허용 범위를 벗어났습니다.")).toBeInTheDocument();
    expect(screen.queryByTestId("plan-error")).not.toBeInTheDocument();
  });

  it("shows a refusal without fields as one alert in the user's language", async () => {
    mockApp(() => ({ code: "db_busy", message: "database is locked", details: null }), "en");
    await i18n.changeLanguage("en");
    renderScreen(<PlanFormModal opened onClose={() => {}} />);
    await userEvent.type(await screen.findByTestId("plan-code"), "x");
    await userEvent.click(screen.getByTestId("plan-submit"));
    const alert = await screen.findByTestId("plan-error");
    expect(alert).not.toHaveTextContent("database is locked");
  });
});
