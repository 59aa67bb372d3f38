import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Customer, CustomerQuery } from "../bindings";
import i18n from "../i18n";
import { CustomerList } from "../pages/customers/CustomerList";
import { appStatus, customer, deferred, giveScrollBoxesHeight, profile } from "./fixtures";
import { renderScreen } from "./render";

const SHOP = profile("p", "Sandbox");
const STORE = [customer("c1", "박지훈"), customer("c2", "김민준"), customer("c3", "김민서"), customer("c4", "이서연")];

/** The customers whose name holds `text` (every one without it). */
function matching(text: string | null): Customer[] {
  return STORE.filter((c) => !text || (c.customer_name ?? "").includes(text));
}

/**
 * A store whose answers the test releases: each list query waits on `hold(text)` when the
 * test set one for its text, and answers at once otherwise.
 */
function mockStore() {
  const asked: (string | null)[] = [];
  const held = new Map<string, Promise<undefined>>();
  mockIPC(async (cmd, args) => {
    if (cmd === "app_status") return appStatus(SHOP);
    if (cmd === "get_settings") return { language: "ko", time_zones: ["Asia/Seoul"] };
    if (cmd === "customer_tags") return [];
    if (cmd === "list_customers") {
      const text = (args as { query: CustomerQuery }).query.text ?? null;
      asked.push(text);
      await held.get(text ?? "");
      return { items: matching(text), next_cursor: null };
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return {
    asked,
    hold(text: string) {
      const gate = deferred<undefined>();
      held.set(text, gate.promise);
      return () => act(() => gate.resolve(undefined));
    },
  };
}

function names(): string[] {
  return screen.queryAllByTestId("customer-row").map((r) => r.getAttribute("data-key") ?? "");
}

let undoHeight: () => void = () => {};
beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("ko");
  undoHeight = giveScrollBoxesHeight();
});
afterEach(() => undoHeight());

describe("the customer search box", () => {
  it("keeps every character typed fast, and asks for the whole text", async () => {
    const store = mockStore();
    const user = userEvent.setup({ delay: null });
    renderScreen(<CustomerList />);
    await waitFor(() => expect(names()).toHaveLength(4));
    const box = screen.getByTestId<HTMLInputElement>("customer-search");
    await user.type(box, "김민준");
    expect(box.value).toBe("김민준");
    await waitFor(() => expect(names()).toEqual(["c2"]));
    expect(store.asked.at(-1)).toBe("김민준");
  });

  it("hears a clear that sets the input's value as WebDriver does, even if the page redraws before the next key", async () => {
    const store = mockStore();
    const user = userEvent.setup({ delay: null });
    const { client } = renderScreen(<CustomerList />);
    await waitFor(() => expect(names()).toHaveLength(4));
    const box = screen.getByTestId<HTMLInputElement>("customer-search");
    await user.type(box, "박지");
    await waitFor(() => expect(names()).toEqual(["c1"]));
    // WebDriver's Element Clear: the value set by script, then a change event (no key).
    act(() => {
      box.value = "";
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    // Something else redraws the page meanwhile (here: the list asked again).
    await act(() => client.invalidateQueries());
    expect(box.value).toBe("");
    await waitFor(() => expect(names()).toHaveLength(4));
    await user.type(box, "김민");
    expect(box.value).toBe("김민");
    await waitFor(() => expect(names()).toEqual(["c2", "c3"]));
    expect(store.asked.at(-1)).toBe("김민");
  });

  it("never lets a late answer to an earlier text replace the answer to the newer one", async () => {
    const store = mockStore();
    const user = userEvent.setup({ delay: null });
    renderScreen(<CustomerList />);
    await waitFor(() => expect(names()).toHaveLength(4));
    const box = screen.getByTestId<HTMLInputElement>("customer-search");
    // "김" is slow to answer; "김민준", typed after it, answers first.
    const releaseKim = store.hold("김");
    await user.type(box, "김");
    await waitFor(() => expect(store.asked).toContain("김"));
    await user.type(box, "민준");
    await waitFor(() => expect(names()).toEqual(["c2"]));
    await releaseKim();
    // The older answer arrived last: the list still shows the newer text's rows.
    await new Promise((r) => setTimeout(r, 50));
    expect(names()).toEqual(["c2"]);
    expect(box.value).toBe("김민준");
  });
});
