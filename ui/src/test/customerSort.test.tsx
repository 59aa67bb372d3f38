import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { Customer, CustomerQuery } from "../bindings";
import i18n from "../i18n";
import { CustomerList, nextSort } from "../pages/customers/CustomerList";
import { renderScreen } from "./render";

function customer(uid: string, name: string): Customer {
  return {
    customer_uid: uid,
    pg_provider: "nice",
    pg_id: null,
    card_name: "신한카드",
    card_number: "4512-34**-****-1111",
    card_last4: "1111",
    card_type: 0,
    customer_name: name,
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
}

/** Records every list query. */
function mockStore() {
  const queries: CustomerQuery[] = [];
  const rows = [customer("c1", "박지훈"), customer("c2", "김민준"), customer("c3", "이서연")];
  mockIPC((cmd, args) => {
    if (cmd === "list_customers") {
      const query = (args as { query: CustomerQuery }).query;
      queries.push(query);
      return { items: rows, next_cursor: null };
    }
    if (cmd === "customer_tags") return [];
    if (cmd === "get_settings") return { language: "ko", time_zones: ["Asia/Seoul"] };
    if (cmd === "app_status") {
      const profile = { id: "p", name: "Sandbox", mode: "sandbox", base_url: "http://127.0.0.1:1", time_zone: "Asia/Seoul", read_only: false };
      return { version: "0", active_profile: profile, profiles: [profile], sandbox_url: null, session_error: null, lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } } };
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return queries;
}

function renderList() {
  return renderScreen(<CustomerList />);
}

beforeEach(async () => {
  localStorage.clear();
  await i18n.changeLanguage("ko");
});

describe("customer list sorting", () => {
  it("cycles a header through its first direction, the other, and no column order", () => {
    expect(nextSort(null, "name")).toEqual({ key: "name", direction: "asc" });
    expect(nextSort({ key: "name", direction: "asc" }, "name")).toEqual({ key: "name", direction: "desc" });
    expect(nextSort({ key: "name", direction: "desc" }, "name")).toBeNull();
    // Times start newest first.
    expect(nextSort(null, "issued")).toEqual({ key: "issued", direction: "desc" });
    expect(nextSort({ key: "issued", direction: "desc" }, "issued")).toEqual({ key: "issued", direction: "asc" });
    // Another column starts over; a column the store cannot order by changes nothing.
    expect(nextSort({ key: "name", direction: "desc" }, "status")).toEqual({ key: "status", direction: "asc" });
    expect(nextSort({ key: "name", direction: "asc" }, "tags")).toEqual({ key: "name", direction: "asc" });
  });

  it("asks the store for the order a header press chose and remembers it", async () => {
    const queries = mockStore();
    const view = renderList();
    await waitFor(() => expect(queries.length).toBeGreaterThan(0));
    expect(queries.at(-1)?.sort).toBeNull();
    // (jsdom lays nothing out, so the virtual rows are not drawn here: the order the
    // rows come back in is the store's, tested in Rust and end to end.)
    const header = screen.getByTestId("customer-sort-name");
    await userEvent.click(header);
    await waitFor(() => expect(queries.at(-1)?.sort).toEqual({ field: "name", direction: "asc" }));
    expect(header.parentElement).toHaveAttribute("aria-sort", "ascending");
    await userEvent.click(header);
    await waitFor(() => expect(queries.at(-1)?.sort).toEqual({ field: "name", direction: "desc" }));
    // Not sortable: no button on the tags column.
    expect(screen.queryByTestId("customer-sort-card")).toBeNull();
    // A new visit starts in the remembered order.
    view.unmount();
    const before = queries.length;
    renderList();
    await waitFor(() => expect(queries.length).toBeGreaterThan(before));
    expect(queries.at(-1)?.sort).toEqual({ field: "name", direction: "desc" });
    expect(screen.getByTestId("customer-sort-name").parentElement).toHaveAttribute("aria-sort", "descending");
  });
});
