import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { SalesType, SettlementLine, SettlementPeriod } from "../bindings";
import i18n from "../i18n";
import { SettlementPage } from "../pages/settlement/SettlementPage";
import { appStatus, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

function line(pg: string, sales: number, cancels: number, taxFree: number, vat: number, estimated = 0, salesType: SalesType | null = null): SettlementLine {
  return {
    pg_provider: pg,
    sales_type: salesType,
    sales_count: 2,
    sales_amount: sales,
    sales_tax_free: taxFree,
    sales_vat: vat,
    cancel_count: cancels > 0 ? 1 : 0,
    cancel_amount: cancels,
    cancel_tax_free: 0,
    cancel_vat: 0,
    net_amount: sales - cancels,
    net_tax_free: taxFree,
    net_vat: vat,
    estimated_count: estimated,
  };
}

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

describe("the settlement screen", () => {
  it("shows Rust's figures per PG and in total, asks for the chosen period, and saves the workbook", async () => {
    const asked: SettlementPeriod[] = [];
    const bySalesType: boolean[] = [];
    const exported: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_status") return appStatus(profile("a", "가게 A"));
      if (cmd === "get_settings") return SETTINGS;
      if (cmd === "settlement_report") {
        const a = args as { period: SettlementPeriod; bySalesType: boolean };
        asked.push(a.period);
        bySalesType.push(a.bySalesType);
        if (a.bySalesType)
          return {
            from: 0,
            to: 1,
            lines: [line("kcp", 33_000, 0, 0, 3_000, 1, "card"), line("nice", 11_000, 5_000, 4_000, 545, 0, "card"), line("nice", 10_000, 0, 0, 1_000, 0, "easy_pay")],
            total: line("", 54_000, 5_000, 4_000, 4_545, 1),
            by_sales_type: true,
          };
        return { from: 0, to: 1, lines: [line("kcp", 33_000, 0, 0, 3_000, 1), line("nice", 21_000, 5_000, 4_000, 1_545)], total: line("", 54_000, 5_000, 4_000, 4_545, 1), by_sales_type: false };
      }
      if (cmd === "export_settlement") {
        exported.push(args);
        return "부가세_정산_2026-Q4.xlsx";
      }
      throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
    });
    renderScreen(<SettlementPage />, { path: "/settlement" });
    const total = await screen.findByTestId("settlement-total");
    expect(total).toHaveTextContent("합계");
    expect(total).toHaveTextContent("₩49,000");
    expect(total).toHaveTextContent("₩4,545");
    // Taxable supply = net − tax-free − VAT.
    expect(total).toHaveTextContent("₩40,455");
    expect(screen.getAllByTestId("settlement-line")).toHaveLength(2);
    expect(screen.getByTestId("settlement-estimated")).toHaveTextContent("1건");
    expect(asked.at(-1)?.kind).toBe("quarter");

    await userEvent.click(screen.getByRole("radio", { name: "월" }));
    await waitFor(() => expect(asked.at(-1)?.kind).toBe("month"));

    await userEvent.click(screen.getByTestId("settlement-export"));
    expect(await screen.findByTestId("settlement-exported")).toHaveTextContent("부가세_정산_2026-Q4.xlsx");
    expect(exported).toEqual([expect.objectContaining({ period: asked.at(-1), lang: "ko", bySalesType: false })]);
    expect(screen.queryByText("매출유형")).not.toBeInTheDocument();

    // The optional 매출유형 column: asked of Rust, shown per line, and in the workbook.
    await userEvent.click(screen.getByTestId("settlement-sales-type"));
    await waitFor(() => expect(screen.getAllByTestId("settlement-line")).toHaveLength(3));
    expect(bySalesType.at(-1)).toBe(true);
    expect(screen.getByRole("columnheader", { name: "매출유형" })).toBeInTheDocument();
    expect(screen.getAllByTestId("settlement-sales-type-cell").map((c) => c.textContent)).toEqual(["신용카드", "신용카드", "간편결제", ""]);
    await userEvent.click(screen.getByTestId("settlement-export"));
    await waitFor(() => expect(exported).toHaveLength(2));
    expect(exported.at(-1)).toEqual(expect.objectContaining({ bySalesType: true }));
  });
});
