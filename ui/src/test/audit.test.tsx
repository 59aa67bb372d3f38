import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, type AuditEntry, type AuditQuery } from "../bindings";
import i18n from "../i18n";
import { AuditPage } from "../pages/audit/AuditPage";
import { appStatus, profile, SETTINGS } from "./fixtures";
import { renderScreen } from "./render";

const SHOP = profile("a", "가게 A");

function entry(id: number, action: string, outcome: string, inputs: object, problem = false): AuditEntry {
  return { id, at: 1764600000 + id, profile: "a", action, inputs: JSON.stringify(inputs), outcome, os_user: id === 1 ? null : "clerk", hash: "h", problem };
}

const ENTRIES = [
  entry(3, "charge.again", "declined: 잔액 부족", { customer_uid: "cus_1", merchant_uid: "ord_1", amount: 9900 }, true),
  entry(2, "customer.set_notes", "ok", { customer_uid: "cus_1", notes_len: 4 }),
  entry(1, "db.migrate", "ok", { to: 6 }),
];

beforeEach(async () => {
  await i18n.changeLanguage("ko");
});

function backend() {
  const asked: AuditQuery[] = [];
  let verified = 0;
  mockIPC((cmd, args) => {
    if (cmd === "app_status") return appStatus(SHOP);
    if (cmd === "get_settings") return SETTINGS;
    if (cmd === "audit_log") {
      const q = (args as { query: AuditQuery }).query;
      asked.push(q);
      const rows = ENTRIES.filter((e) => !q.action || e.action.startsWith(q.action)).filter((e) => !q.problems_only || e.problem);
      return { entries: rows, next_cursor: null, total: rows.length };
    }
    if (cmd === "day_range") {
      const a = args as { firstDay: string | null; lastDay: string | null };
      if (a.firstDay === "2026-11-01" && a.lastDay === "2026-11-30") return { from: 1_793_458_800, to: 1_796_050_799 };
      if (a.firstDay === "2026-11-01" && a.lastDay === null) return { from: 1_793_458_800, to: null };
      throw { code: "invalid_date", message: "not a day", details: null };
    }
    if (cmd === "verify_audit") {
      verified += 1;
      return verified === 1 ? { ok: true, checked: 3, problem: null } : { ok: false, checked: 1, problem: { id: 2, kind: "edited", detail: "" } };
    }
    throw { code: "internal", message: `unexpected command ${cmd}`, details: null };
  });
  return { asked, verifiedCount: () => verified };
}

describe("the audit log screen", () => {
  it("describes every action Rust records, in both languages", async () => {
    for (const lang of ["ko", "en"]) {
      await i18n.changeLanguage(lang);
      for (const action of AUDIT_ACTIONS) {
        const text = i18n.t(`audit.actions.${action}`);
        expect(text, action).not.toBe(`audit.actions.${action}`);
        expect(text, action).not.toContain(".");
      }
      for (const group of new Set(AUDIT_ACTIONS.map((a) => a.split(".")[0]))) expect(i18n.exists(`audit.groups.${group}`), group).toBe(true);
    }
  });

  it("shows entries in Korean words, filters by action group and problems, and verifies the chain", async () => {
    const { asked } = backend();
    renderScreen(<AuditPage />, { path: "/audit" });
    const rows = await screen.findAllByTestId("audit-row");
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent("빌링키로 결제");
    expect(rows[0]).toHaveTextContent("거절됨 (잔액 부족)");
    expect(rows[0]).toHaveTextContent("주문번호: ord_1");
    // A key without a name for people (a developer word) is not shown.
    expect(rows[1]).not.toHaveTextContent("notes_len");
    expect(rows[0]).not.toHaveTextContent("charge.again");
    expect(rows.at(-1)).toHaveTextContent("기록 안 됨");
    expect(screen.getByTestId("audit-count")).toHaveTextContent("3건 중 3건");

    await userEvent.click(screen.getByTestId("audit-problems"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));
    expect(asked.at(-1)).toMatchObject({ problems_only: true, action: null });

    await userEvent.click(screen.getByTestId("audit-problems"));
    await userEvent.click(screen.getByTestId("audit-action"));
    await userEvent.click(await screen.findByRole("option", { name: "고객", hidden: true }));
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ action: "customer." }));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(1));

    await userEvent.click(screen.getByTestId("audit-verify"));
    expect(await screen.findByTestId("audit-verdict")).toHaveTextContent("기록 3건이 모두 온전합니다");
    await userEvent.click(screen.getByTestId("audit-verify"));
    await waitFor(() => expect(screen.getByTestId("audit-verdict")).toHaveTextContent("2번 기록에서 연결이 끊겼습니다: 기록이 나중에 수정되었습니다"));
  });

  it("asks for the entries of the typed days, bounded by Rust in the profile's zone", async () => {
    const { asked } = backend();
    renderScreen(<AuditPage />, { path: "/audit" });
    await screen.findAllByTestId("audit-row");
    expect(asked.at(-1)).toMatchObject({ from: null, to: null });
    await userEvent.type(screen.getByTestId("audit-first-day"), "2026-11-01");
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ from: 1_793_458_800, to: null }));
    await userEvent.type(screen.getByTestId("audit-last-day"), "2026-11-30");
    // The last day's last second, as the store's exclusive bound.
    await waitFor(() => expect(asked.at(-1)).toMatchObject({ from: 1_793_458_800, to: 1_796_050_800 }));
    const before = asked.length;
    await userEvent.clear(screen.getByTestId("audit-last-day"));
    await userEvent.type(screen.getByTestId("audit-last-day"), "어제");
    expect((await screen.findAllByText("날짜를 YYYY-MM-DD 형식으로 입력하세요.")).length).toBeGreaterThan(0);
    // A day that is not one asks for nothing.
    expect(asked.slice(before).every((q) => q.to === null || q.to === 1_796_050_800)).toBe(true);
  });
});
