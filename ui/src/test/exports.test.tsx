import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXPORT_STATUS_WORDS, type ExportDone, type ExportRequest, type Payment } from "../bindings";
import i18n from "../i18n";
import en from "../i18n/en";
import ko from "../i18n/ko";
import { exportColumns } from "../lib/exportColumns";
import { CustomerList } from "../pages/customers/CustomerList";
import { PaymentsPage } from "../pages/payments/PaymentsPage";
import { appStatus, customer, deferred, giveScrollBoxesHeight, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

function payment(imp: string): Payment {
  return {
    imp_uid: imp,
    merchant_uid: `order-${imp}`,
    customer_uid: "cust_1",
    status: "paid",
    amount: 12_000,
    amount_text: "12000",
    cancel_amount: 0,
    currency: "KRW",
    pg_provider: "nice",
    pay_method: "card",
    name: "월 구독",
    buyer_name: "홍길동",
    buyer_email: null,
    buyer_tel: null,
    apply_num: "00123456",
    card_name: "신한카드",
    card_number: null,
    started_at: 1_774_988_000,
    paid_at: 1_774_988_580,
    failed_at: null,
    cancelled_at: null,
    event_at: 1_774_988_580,
    fail_reason: null,
    cancel_reason: null,
  };
}

interface Calls {
  exports: ExportRequest[];
  paymentTexts: (string | null | undefined)[];
  stops: number;
  reveals: number;
}

/** The Rust side: lists, and an export answered with `answer` (or held by the test). */
function mockRust(answer: () => Promise<ExportDone | null> | ExportDone | null, language: "ko" | "en" = "ko"): Calls {
  const calls: Calls = { exports: [], paymentTexts: [], stops: 0, reveals: 0 };
  const p = profile("p", "Sandbox");
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "app_status":
        return appStatus(p);
      case "get_settings":
        return { ...SETTINGS, language };
      case "list_payments":
        calls.paymentTexts.push((args as { query: { text?: string | null } }).query.text);
        return { items: [payment("imp_1")], next_cursor: null };
      // Without search text the list is read by position.
      case "payment_window":
        return { snapshot: 1, count: 1, newer: 0 };
      case "list_payments_at":
        return [payment("imp_1")];
      case "open_payment_window":
        return { window: { snapshot: 1, count: 1, newer: 0 }, first_page: [payment("imp_1")] };
      case "list_customers":
        return { items: [customer("cust_0001", "김민준")], next_cursor: null };
      case "customer_tags":
        return [];
      case "export_list":
        calls.exports.push((args as { request: ExportRequest }).request);
        return answer();
      case "stop_export":
        calls.stops += 1;
        return true;
      case "reveal_export":
        calls.reveals += 1;
        return null;
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return calls;
}

/** The one export asked for. */
function only(requests: ExportRequest[]): ExportRequest {
  const [request] = requests;
  if (!request || requests.length !== 1) throw new Error(`${requests.length} exports`);
  return request;
}

/** Opens the export menu and picks the item showing `label`. */
async function chooseFormat(testId: string, label: string, user = userEvent.setup()) {
  await user.click(await screen.findByTestId(testId));
  const item = await screen.findByText(label);
  await user.click(item);
  return user;
}

let undoHeight = () => {};
beforeEach(async () => {
  localStorage.clear();
  undoHeight = giveScrollBoxesHeight();
  await i18n.changeLanguage("ko");
});
afterEach(() => undoHeight());

describe("the status words exports write", () => {
  it("are the words the app shows, in both languages", () => {
    const texts: Record<string, [Record<string, string>, Record<string, string>]> = {
      payment: [ko.customers.paymentStatus, en.customers.paymentStatus],
      schedule: [ko.customers.scheduleStatus, en.customers.scheduleStatus],
      key: [ko.customers.status, en.customers.status],
      card_type: [ko.customers.cardType, en.customers.cardType],
      run_outcome: [ko.runs.outcome, en.runs.outcome],
    };
    let compared = 0;
    for (const w of EXPORT_STATUS_WORDS) {
      const pair = texts[w.group];
      if (!pair) continue;
      expect(pair[0][w.status], `${w.group}.${w.status}`).toBe(w.ko);
      expect(pair[1][w.status], `${w.group}.${w.status}`).toBe(w.en);
      compared += 1;
    }
    // Every status the app has a text for is among them.
    expect(compared).toBe(Object.values(texts).reduce((n, [k]) => n + Object.keys(k).length, 0));
  });
});

describe("exportColumns", () => {
  it("keeps the screen's order and labels, then the extras Rust labels, each once", () => {
    expect(
      exportColumns(
        [
          { key: "time", header: "시각" },
          { key: "actions", header: "" },
          { key: "amount", header: "금액" },
        ],
        { time: "event_at", amount: "amount" },
        ["imp_uid", "amount"],
      ),
    ).toEqual([
      { id: "event_at", header: "시각" },
      { id: "amount", header: "금액" },
      { id: "imp_uid", header: null },
    ]);
  });
});

describe("the payments page's export", () => {
  it("exports the current filter with the screen's columns in Korean, then offers the folder", async () => {
    const calls = mockRust(() => ({ file_name: "결제내역_2026-04-01.xlsx", rows: 1, cancelled: false }));
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await screen.findByText("홍길동");
    const user = userEvent.setup();
    await user.type(screen.getByTestId("payment-search"), "홍길동");
    // Once the list shows the filter, the export takes it.
    await waitFor(() => expect(calls.paymentTexts).toContain("홍길동"));
    await chooseFormat("export-payments", "Excel (.xlsx)", user);

    await waitFor(() => expect(calls.exports).toHaveLength(1));
    const request = only(calls.exports);
    expect(request.format).toBe("xlsx");
    expect(request.lang).toBe("ko");
    expect(request.list.kind).toBe("payments");
    if (request.list.kind === "payments") expect(request.list.query.text).toBe("홍길동");
    // The screen's columns with the screen's labels, then the drawer's ids for Rust to label.
    // The time column is the time basis shown (paid, by default), under its label.
    expect(request.columns.slice(0, 8)).toEqual([
      { id: "paid_at", header: "결제 시각" },
      { id: "buyer_name", header: "구매자" },
      { id: "name", header: "주문명" },
      { id: "amount", header: "금액" },
      { id: "cancel_amount", header: "취소액" },
      { id: "status", header: "상태" },
      { id: "pg_provider", header: "PG" },
      { id: "customer_uid", header: "고객" },
    ]);
    expect(request.columns.slice(8).every((c) => c.header === null)).toBe(true);
    expect(request.columns.map((c) => c.id)).toContain("apply_num");

    const done = await screen.findByTestId("export-payments-done");
    expect(within(done).getByText(/결제내역_2026-04-01\.xlsx · 1행/)).toBeInTheDocument();
    await user.click(within(done).getByTestId("export-payments-reveal"));
    await waitFor(() => expect(calls.reveals).toBe(1));
  });

  it("asks for CP949 in English with English labels", async () => {
    await i18n.changeLanguage("en");
    const calls = mockRust(() => ({ file_name: "Payments_2026-04-01.csv", rows: 1, cancelled: false }), "en");
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await screen.findByText("홍길동");
    await chooseFormat("export-payments", "CSV (CP949)");
    await waitFor(() => expect(calls.exports).toHaveLength(1));
    expect(only(calls.exports).format).toBe("csv_cp949");
    expect(only(calls.exports).lang).toBe("en");
    expect(only(calls.exports).columns[0]).toEqual({ id: "paid_at", header: "Paid at" });
    expect(await screen.findByText(/Payments_2026-04-01\.csv · 1 rows/)).toBeInTheDocument();
  });

  it("shows progress with a stop while it runs, and says a stopped export wrote nothing", async () => {
    const held = deferred<ExportDone | null>();
    const calls = mockRust(() => held.promise);
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await screen.findByText("홍길동");
    const user = await chooseFormat("export-payments", "CSV (UTF-8)");
    await user.click(await screen.findByTestId("export-payments-stop"));
    await waitFor(() => expect(calls.stops).toBe(1));
    expect(only(calls.exports).format).toBe("csv");
    held.resolve({ file_name: "x.csv", rows: 500, cancelled: true });
    expect(await screen.findByTestId("export-payments-stopped")).toHaveTextContent("파일은 만들어지지 않았습니다");
    expect(screen.queryByTestId("export-payments-done")).toBeNull();
  });

  it("shows nothing when the save dialog was closed, and Rust's refusal in Korean", async () => {
    let answer: () => ExportDone | null = () => null;
    const calls = mockRust(() => answer());
    renderScreen(<PaymentsPage />, { path: "/payments" });
    await screen.findByText("홍길동");
    const user = await chooseFormat("export-payments", "Excel (.xlsx)");
    await waitFor(() => expect(calls.exports).toHaveLength(1));
    await waitFor(() => expect(screen.queryByTestId("export-payments-progress")).toBeNull());
    expect(screen.queryByTestId("export-payments-done")).toBeNull();

    answer = () => {
      throw { code: "export_unencodable", message: "cannot", details: { character: "🎉", row: 5, column: "주문명" } };
    };
    await chooseFormat("export-payments", "CSV (CP949)", user);
    const error = await screen.findByTestId("export-payments-error");
    expect(error).toHaveTextContent("「🎉」가 5번째 행의 '주문명' 열에 있습니다");
  });
});

describe("the customer list's export", () => {
  it("exports the columns chosen on screen with their labels", async () => {
    const calls = mockRust(() => ({ file_name: "고객목록_2026-04-01.xlsx", rows: 1, cancelled: false }));
    renderScreen(<CustomerList />, { path: "/customers" });
    await screen.findByText("김민준");
    await chooseFormat("export-customers", "Excel (.xlsx)");
    await waitFor(() => expect(calls.exports).toHaveLength(1));
    const request = only(calls.exports);
    expect(request.list.kind).toBe("customers");
    expect(request.columns).toEqual([
      { id: "name", header: "이름" },
      { id: "customer_uid", header: "customer_uid" },
      { id: "card", header: "카드" },
      { id: "pg", header: "PG" },
      { id: "status", header: "상태" },
      { id: "issued", header: "발급일" },
    ]);
  });
});
