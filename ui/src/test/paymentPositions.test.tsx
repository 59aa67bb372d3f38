import { mockIPC } from "@tauri-apps/api/mocks";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Payment } from "../bindings";
import i18n from "../i18n";
import { keys } from "../lib/queries";
import { PaymentsPage } from "../pages/payments/PaymentsPage";
import { appStatus, giveScrollBoxesHeight, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

const SHOP = profile("a", "가게 A");
const ROW_HEIGHT = 40;

/** Payment `n` of the store, counted from the oldest (ids and times grow with n). */
function payment(n: number): Payment {
  const at = 1_700_000_000 + n * 60;
  return {
    imp_uid: `imp_${n}`,
    merchant_uid: `order_${n}`,
    customer_uid: null,
    status: "paid",
    amount: 1000,
    amount_text: "1000",
    cancel_amount: 0,
    currency: "KRW",
    pg_provider: "nice",
    pay_method: "card",
    name: null,
    buyer_name: `구매자${n}`,
    buyer_email: null,
    buyer_tel: null,
    apply_num: null,
    card_name: null,
    card_number: null,
    started_at: at,
    paid_at: at,
    failed_at: null,
    cancelled_at: null,
    event_at: at,
    fail_reason: null,
    cancel_reason: null,
  };
}

/** The page at row `offset` of the payments stored at `snapshot` (the newest first). */
function page(snapshot: number, offset: number, limit: number): Payment[] {
  const out: Payment[] = [];
  for (let i = offset; i < Math.min(offset + limit, snapshot); i++) out.push(payment(snapshot - i));
  return out;
}

/**
 * A store of `stored` payments (ids 1..stored, the newest first in the list) answering the
 * positional commands as Rust does: a snapshot is the highest id when the window was taken,
 * and a page of a snapshot lists only the payments stored by then.
 */
function mockStore(initial: number) {
  const store = { stored: initial, offsets: [] as number[], opens: 0, keysets: 0, facets: 0, totals: 0 };
  mockIPC((cmd, args) => {
    const a = args as { snapshot?: number | null; offset?: number; query?: { limit?: number | null } };
    switch (cmd) {
      case "app_status":
        return appStatus(SHOP);
      case "get_settings":
        return SETTINGS;
      case "payment_facets":
        store.facets += 1;
        return { pg_providers: ["kcp", "nice"], pay_methods: [], card_names: [] };
      case "payment_totals":
        store.totals += 1;
        return { count: store.stored, amount: 0, refunded: 0, net: 0, other_currency: 0 };
      case "payment_window": {
        const snapshot = a.snapshot ?? store.stored;
        return { snapshot, count: snapshot, newer: store.stored - snapshot };
      }
      case "open_payment_window": {
        // The store as it is now and its first page, as Rust answers both at once.
        store.opens += 1;
        store.offsets.push(0);
        return { window: { snapshot: store.stored, count: store.stored, newer: 0 }, first_page: page(store.stored, 0, a.query?.limit ?? 50) };
      }
      case "list_payments_at": {
        const offset = a.offset ?? 0;
        store.offsets.push(offset);
        return page(a.snapshot ?? 0, offset, a.query?.limit ?? 50);
      }
      case "list_payments":
        store.keysets += 1;
        return { items: [], next_cursor: null };
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return store;
}

const shownRows = () => screen.queryAllByTestId("payment-row").map((r) => r.getAttribute("data-key"));

/** Drags the scroll bar to row `index` (jsdom lays nothing out: the offset is set by hand). */
function scrollTo(index: number) {
  const box = screen.getByTestId("payment-rows");
  Object.defineProperty(box, "scrollTop", { configurable: true, writable: true, value: index * ROW_HEIGHT });
  fireEvent.scroll(box);
}

let undoLayout: () => void = () => {};
beforeEach(async () => {
  localStorage.clear();
  undoLayout = giveScrollBoxesHeight();
  await i18n.changeLanguage("ko");
});
afterEach(() => undoLayout());

describe("the payment list read by position", () => {
  it("asks for the filters' choices when a choice list opens, not with the first rows", async () => {
    const store = mockStore(1_000);
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await waitFor(() => expect(shownRows()[0]).toBe("imp_1000"));
    // The totals come after the rows; the choices (a walk of the whole table) do not come yet.
    await screen.findByTestId("totals-count");
    expect(store.totals).toBe(1);
    expect(store.facets).toBe(0);
    await userEvent.click(screen.getByTestId("filter-pg"));
    expect(await screen.findByRole("option", { name: "kcp", hidden: true })).toBeInTheDocument();
    expect(store.facets).toBe(1);
  });

  it("draws row 10,000 from its own page, without the pages before it", async () => {
    const store = mockStore(1_000_000);
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await waitFor(() => expect(shownRows()[0]).toBe("imp_1000000"));
    // The first rows came with the window, in one answer: the page is not asked again.
    expect(store.offsets).toEqual([0]);
    expect(store.opens).toBe(1);

    act(() => scrollTo(10_000));
    // Row 10,000 (0-based) of the newest-first list is payment 1,000,000 − 10,000.
    await waitFor(() => expect(shownRows()).toContain("imp_990000"));
    // The pages under the rows drawn there, and nothing between.
    expect(store.offsets.every((o) => o === 0 || (o >= 9_600 && o <= 10_200))).toBe(true);
    expect(store.offsets.length).toBeLessThanOrEqual(4);
    expect(store.keysets).toBe(0);
    expect(screen.getByTestId("payment-rows").firstElementChild).toHaveStyle({ height: `${1_000_000 * ROW_HEIGHT}px` });
  });

  it("keeps the rows on screen while payments arrive, and offers the new ones", async () => {
    const store = mockStore(5_000);
    const { client } = renderScreen(<PaymentsPage />, { path: "/payments" });
    await waitFor(() => expect(shownRows()[0]).toBe("imp_5000"));
    act(() => scrollTo(1_000));
    await waitFor(() => expect(shownRows()).toContain("imp_4000"));
    const before = shownRows();

    // A sync stores three payments, newer than every row; every list asks again.
    store.stored = 5_003;
    await act(() => client.invalidateQueries({ queryKey: keys.payments(SHOP.id) }));
    const newer = await screen.findByTestId("payments-show-newer");
    expect(newer).toHaveTextContent("새 결제 3건");
    // Same rows in the same places: nothing pushed down, nothing twice.
    expect(shownRows()).toEqual(before);
    expect(new Set(shownRows()).size).toBe(shownRows().length);

    // Going back to the top shows them first.
    await userEvent.click(newer);
    // The table went back to its top (a browser tells that with a scroll event).
    expect(screen.getByTestId("payment-rows").scrollTop).toBe(0);
    fireEvent.scroll(screen.getByTestId("payment-rows"));
    await waitFor(() => expect(shownRows()[0]).toBe("imp_5003"));
    expect(screen.queryByTestId("payments-show-newer")).toBeNull();
  });

  it("reads a search by its keyset pages", async () => {
    const store = mockStore(100);
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await waitFor(() => expect(shownRows()[0]).toBe("imp_100"));
    await userEvent.type(screen.getByTestId("payment-search"), "김민");
    await waitFor(() => expect(store.keysets).toBeGreaterThan(0));
  });
});
