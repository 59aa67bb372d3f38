import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Customer, CustomerPage, ImportPlan } from "../bindings";
import i18n from "../i18n";
import { keys } from "../lib/queries";
import { CustomerList } from "../pages/customers/CustomerList";
import { appStatus, customer, deferred, giveScrollBoxesHeight, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

const SHOP_A = profile("a", "가게 A");
const SHOP_B = profile("b", "가게 B", "test");

/** The keys of the customer rows the table draws. */
const shownRows = () => screen.queryAllByTestId("customer-row").map((r) => r.getAttribute("data-key"));

let undoLayout: () => void = () => {};
beforeEach(async () => {
  localStorage.clear();
  undoLayout = giveScrollBoxesHeight();
  await i18n.changeLanguage("ko");
});
afterEach(() => undoLayout());

describe("answers belong to the profile they were asked for", () => {
  it("asks again when the active profile changes and never shows the previous profile's rows", async () => {
    let active = SHOP_A;
    const listed: string[] = [];
    const shopB = deferred<CustomerPage>();
    mockIPC((cmd) => {
      if (cmd === "app_status") return appStatus(active, [SHOP_A, SHOP_B]);
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "customer_tags") return [];
      if (cmd === "list_customers") {
        listed.push(active.id);
        return active === SHOP_A ? { items: [customer("a-1", "김민준"), customer("a-2", "이서연")], next_cursor: null } : shopB.promise;
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    const { client } = renderScreen(<CustomerList />, { path: "/customers" });
    await waitFor(() => expect(shownRows()).toEqual(["a-1", "a-2"]));

    // Another profile becomes active (as after a switch); the shell asks Rust again.
    active = SHOP_B;
    await act(() => client.invalidateQueries({ queryKey: keys.status() }));
    await waitFor(() => expect(listed).toEqual(["a", "b"]));
    // While shop B's first page is on its way, shop A's rows are gone, not kept as a placeholder.
    expect(shownRows()).toEqual([]);
    expect(screen.getByTestId("customer-count")).toHaveTextContent("0명");

    act(() => shopB.resolve({ items: [customer("b-1", "박지훈")], next_cursor: null }));
    await waitFor(() => expect(shownRows()).toEqual(["b-1"]));
    // Nothing of shop A is kept once B is active.
    expect(client.getQueryCache().findAll({ queryKey: ["a"] })).toEqual([]);
  });
});

describe("a mutation asks again for what it changed", () => {
  it("an import refreshes the customer list", async () => {
    const stored: Customer[] = [customer("c-1", "김민준")];
    let lists = 0;
    const plan: ImportPlan = { rows_total: 1, good: [{ line: 1, customer_uid: "c-2", notes: "", tags: [] }], already_registered: [], bad: [] };
    const applied: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(SHOP_A);
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "customer_tags") return [];
      if (cmd === "list_customers") {
        lists += 1;
        return { items: [...stored], next_cursor: null };
      }
      if (cmd === "plan_import") return { plan_id: 7, plan };
      if (cmd === "apply_import") {
        applied.push(args);
        stored.unshift(customer("c-2", "이서연"));
        return { result: { imported: 1, already_registered: 0, skipped_bad: 0, imported_uids: ["c-2"] }, verify: { outcome: "completed", checked: 1, active: 1, unknown: 0 }, verify_error: null };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<CustomerList />, { path: "/customers" });
    await waitFor(() => expect(shownRows()).toEqual(["c-1"]));
    expect(lists).toBe(1);

    await userEvent.click(screen.getByTestId("open-import"));
    await userEvent.type(await screen.findByTestId("import-text"), "c-2");
    await userEvent.click(screen.getByTestId("import-check"));
    await userEvent.click(await screen.findByTestId("import-good"));
    expect(await screen.findByTestId("import-done")).toHaveTextContent("1");
    // The plan is named by the number Rust gave it; no rows go back to Rust.
    expect(applied).toEqual([expect.objectContaining({ planId: 7, choice: "good_rows_only" })]);
    expect(JSON.stringify(applied)).not.toContain("c-2");

    // The list behind the dialog was asked again: the imported key is in it.
    await waitFor(() => expect(shownRows()).toEqual(["c-2", "c-1"]));
    expect(lists).toBe(2);
    expect(within(screen.getByTestId("customer-count")).getByText(/2/)).toBeInTheDocument();
  });

  it("an import whose check at PortOne failed says it was imported, and why the check failed", async () => {
    const stored: Customer[] = [];
    const plan: ImportPlan = { rows_total: 1, good: [{ line: 1, customer_uid: "c-9", notes: "", tags: [] }], already_registered: [], bad: [] };
    mockIPC((cmd) => {
      if (cmd === "app_status") return appStatus(SHOP_A);
      if (cmd === "get_settings") return { ...SETTINGS, language: "ko" };
      if (cmd === "customer_tags") return [];
      if (cmd === "list_customers") return { items: [...stored], next_cursor: null };
      if (cmd === "plan_import") return { plan_id: 3, plan };
      if (cmd === "apply_import") {
        stored.unshift(customer("c-9", "최하윤"));
        return {
          result: { imported: 1, already_registered: 0, skipped_bad: 0, imported_uids: ["c-9"] },
          verify: null,
          verify_error: { code: "api_transport", message: "connection refused", details: null },
        };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<CustomerList />, { path: "/customers" });
    await userEvent.click(await screen.findByTestId("open-import"));
    await userEvent.type(await screen.findByTestId("import-text"), "c-9");
    await userEvent.click(screen.getByTestId("import-check"));
    await userEvent.click(await screen.findByTestId("import-good"));
    expect(await screen.findByTestId("import-done")).toHaveTextContent("가져옴 1");
    const failed = screen.getByTestId("import-verify-failed");
    expect(failed).toHaveTextContent("PortOne 확인은 하지 못했습니다");
    expect(failed.textContent).not.toContain("api_transport");
    expect(screen.queryByTestId("import-error")).toBeNull();
    await waitFor(() => expect(shownRows()).toEqual(["c-9"]));
  });

  it("a customer_uid handed over by the PG guide opens Import with it", async () => {
    const planned: string[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(SHOP_A);
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "customer_tags") return [];
      if (cmd === "list_customers") return { items: [], next_cursor: null };
      if (cmd === "plan_import") {
        planned.push((args as { text: string }).text);
        return { plan_id: 1, plan: { rows_total: 1, good: [{ line: 1, customer_uid: "cus_from_window", notes: "", tags: [] }], already_registered: [], bad: [] } };
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<CustomerList />, { path: "/customers?import=cus_from_window" });
    expect(await screen.findByTestId("import-text")).toHaveValue("cus_from_window");
    await userEvent.click(screen.getByTestId("import-check"));
    await screen.findByTestId("import-good");
    expect(planned).toEqual(["cus_from_window"]);
  });
});
