// Issue 16's exports as a finance clerk meets them, on the real app: the payments the
// sandbox holds are synced, exported from the payments page's menu to .xlsx, and the file
// is read back as Excel would read it — Korean headers (the screen's own labels), Seoul
// times as real date-times, approval numbers as text with their leading zeros, amounts as
// numbers in the won format. Then in English, to CSV (UTF-8 with BOM). The save dialog is
// the debug build's E2E hook (SUBDESK_E2E_SAVE_FILE, a folder: the suggested name is kept).
// Last of the specs: the payments it seeds change no other spec's screens.
import { browser, $, $$, expect } from "@wdio/globals";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";
import { choose, click, shot } from "../lib/ui.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const EXPORTS = process.env.SUBDESK_E2E_SAVE_FILE ?? "";
const CLI = process.env.CLI ?? path.resolve(here, "../../../target/debug/subdesk-cli");

/** `YYYY-MM-DD HH:MM` of a Unix time in Seoul, as a Korean clerk reads it. */
function seoul(unix) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(unix * 1000));
  const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  return `${v.year}-${v.month}-${v.day} ${v.hour}:${v.minute}`;
}

/** An Excel date-time cell as its wall-clock text (exceljs reads the serial as UTC). */
function wall(date) {
  return date.toISOString().slice(0, 16).replace("T", " ");
}

function today() {
  return seoul(Date.now() / 1000).slice(0, 10);
}

/** The app's mirror as the CLI lists it (same data folder). */
function mirror() {
  const out = execFileSync(CLI, ["--json", "payments", "list", "--limit", "500"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return new Map(JSON.parse(out).map((p) => [p.imp_uid, p]));
}

async function invoke(cmd, args = {}) {
  return browser.executeAsync(
    (cmd, args, done) => window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done({ ok: true, v }), (e) => done({ ok: false, e })),
    cmd,
    args,
  );
}

async function inLanguage(language) {
  expect((await invoke("set_language", { language })).ok).toBe(true);
  await browser.execute(() => window.location.reload());
  await $('[data-testid="status-bar"]').waitForDisplayed({ timeout: 30000 });
}

async function waitForFile(file) {
  await browser.waitUntil(() => fs.existsSync(file), { timeout: 30000, timeoutMsg: `${file} was not written` });
}

async function exportAs(format) {
  await click('[data-testid="export-payments"]');
  await click(`[data-testid="export-payments-${format}"]`);
  const done = await $('[data-testid="export-payments-done"]');
  await done.waitForDisplayed({ timeout: 60000 });
  // The page has settled (the progress row gone, the menu closed) before anyone looks.
  await browser.waitUntil(async () => !(await $('[data-testid="export-payments-progress"]').isExisting()));
  await browser.waitUntil(async () => !(await $('[data-testid="export-payments-xlsx"]').isDisplayed()));
  return done;
}

describe("exports finance staff hand to Excel", () => {
  before(async () => {
    await browser.setWindowSize(1024, 700);
    const address = await $('[data-testid="api-address"]');
    await address.waitForDisplayed({ timeout: 30000 });
    const url = await address.getText();
    const seeded = await fetch(`${url}/__sandbox/seed`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seed: 16, customers: 40, payments: 300 }) });
    expect(seeded.status).toBe(200);
    // The seeded history lies before the watermark of earlier specs' syncs: the clerk
    // fetches the past year again (an incremental sync only sees what changed since).
    const yearAgo = seoul(Date.now() / 1000 - 366 * 86400).slice(0, 10);
    execFileSync(CLI, ["--sandbox-url", url, "sync", "--payments", "--from", yearAgo], { stdio: ["ignore", "ignore", "pipe"] });
    await click('[data-testid="nav-payments"]');
    await click('[data-testid="sync-now"]');
    await browser.waitUntil(async () => !(await $('[data-testid="sync-progress"]').isExisting()), { timeout: 120000, timeoutMsg: "sync did not finish" });
  });

  it("exports the payments list to .xlsx with Korean headers, Seoul times, text approvals and won amounts", async () => {
    // The list's time column shows the latest change of every payment (failed ones have
    // no paid time): the file's time column follows it.
    await choose("filter-time-field", "최근 변경 시각");
    const done = await exportAs("xlsx");
    const name = `결제내역_${today()}.xlsx`;
    expect(await done.getText()).toContain(name);
    await shot("export-done-ko");
    const file = path.join(EXPORTS, name);
    await waitForFile(file);
    // Only the workbook: nothing partial or temporary beside it (the bulk-run report an
    // earlier spec saved in the same folder is that spec's).
    expect(fs.readdirSync(EXPORTS).filter((f) => f !== name && !f.startsWith("일괄결제_"))).toEqual([]);

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.getWorksheet("결제내역");
    expect(sheet).toBeTruthy();
    const header = sheet.getRow(1).values.slice(1);
    expect(header.slice(0, 8)).toEqual(["최근 변경 시각", "구매자", "주문명", "금액", "취소액", "상태", "PG", "고객"]);
    const col = (label) => {
      const i = header.indexOf(label);
      expect(i).toBeGreaterThanOrEqual(0);
      return i + 1;
    };
    const [time, amount, status, imp, apply] = [col("최근 변경 시각"), col("금액"), col("상태"), col("결제번호 (imp_uid)"), col("승인번호")];
    const words = { paid: "결제 완료", cancelled: "취소", failed: "실패", ready: "미결제" };
    const payments = mirror();
    expect(payments.size).toBeGreaterThan(100);
    expect(sheet.rowCount - 1).toBe(payments.size);
    let leadingZeros = 0;
    for (let r = 2; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      const p = payments.get(row.getCell(imp).value);
      expect(p).toBeTruthy();
      const t = row.getCell(time);
      expect(t.value instanceof Date).toBe(true);
      expect(wall(t.value)).toBe(seoul(p.event_at));
      expect(row.getCell(amount).value).toBe(p.amount);
      expect(row.getCell(amount).numFmt).toBe('#,##0"원"');
      expect(row.getCell(status).value).toBe(words[p.status]);
      if (p.apply_num) {
        expect(row.getCell(apply).value).toBe(p.apply_num);
        if (p.apply_num.startsWith("0")) leadingZeros++;
      }
    }
    console.log(`exported ${sheet.rowCount - 1} payments; ${leadingZeros} approval numbers kept their leading zero`);
    expect(leadingZeros).toBeGreaterThan(0);
    // The header stays in view and filters.
    expect(sheet.views[0]?.state).toBe("frozen");
    expect(sheet.autoFilter).toBeTruthy();
  });

  it("exports to CSV (UTF-8 with BOM) in English, with the screen's English labels", async () => {
    await inLanguage("en");
    await click('[data-testid="nav-payments"]');
    await choose("filter-time-field", "Latest change");
    const done = await exportAs("csv");
    const name = `Payments_${today()}.csv`;
    expect(await done.getText()).toContain(name);
    await shot("export-done-en");
    const file = path.join(EXPORTS, name);
    await waitForFile(file);
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString("utf8").slice(1).trimEnd().split("\n");
    expect(lines[0].startsWith("Latest change,Buyer,Order name,Amount,Refunded,Status,PG,Customer,")).toBe(true);
    expect(lines.length - 1).toBe(mirror().size);
    // The menu, open, in English at the smallest size.
    await click('[data-testid="export-payments"]');
    await $('[data-testid="export-payments-csv_cp949"]').waitForDisplayed();
    await shot("export-menu-en");
    await browser.keys("Escape");
    await inLanguage("ko");
    await click('[data-testid="nav-payments"]');
    await click('[data-testid="export-payments"]');
    await $('[data-testid="export-payments-csv_cp949"]').waitForDisplayed();
    await shot("export-menu-ko");
    await browser.keys("Escape");
  });

  it("exports the customer list with its chosen columns, and the menu fits every list at 1024x700", async () => {
    // A customer of this spec's own (the sandbox cannot list keys: the store is the list).
    const form = await invoke("key_form");
    expect(form.ok).toBe(true);
    const issued = await invoke("issue_key", {
      input: { customer_uid: form.v.suggested_customer_uid, pg: form.v.channels[0].pg, card: { number: "4242424242424242", expiry: `${new Date().getFullYear() + 2}-12`, birth: "900101", pwd_2digit: "12", corporate: false }, customer_name: "내보내기 고객", customer_tel: "010-0123-4567", customer_email: null, customer_id: null },
    });
    expect(issued.ok).toBe(true);
    await click('[data-testid="nav-customers"]');
    await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length > 0, { timeout: 30000 });
    await click('[data-testid="export-customers"]');
    await click('[data-testid="export-customers-xlsx"]');
    await $('[data-testid="export-customers-done"]').waitForDisplayed({ timeout: 60000 });
    await browser.waitUntil(async () => !(await $('[data-testid="export-customers-xlsx"]').isDisplayed()));
    await shot("export-customers-ko");
    const file = path.join(EXPORTS, `고객목록_${today()}.xlsx`);
    await waitForFile(file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.getWorksheet("고객목록");
    // The list's default columns, with the screen's labels.
    expect(sheet.getRow(1).values.slice(1)).toEqual(["이름", "customer_uid", "카드", "PG", "상태", "발급일"]);
    expect(sheet.rowCount).toBeGreaterThan(1);

    await click('[data-testid="nav-schedules"]');
    await $('[data-testid="export-schedules"]').waitForDisplayed();
    await shot("export-schedules-ko");
    await inLanguage("en");
    await click('[data-testid="nav-customers"]');
    await $('[data-testid="export-customers"]').waitForDisplayed();
    await shot("export-customers-en");
    await click('[data-testid="nav-schedules"]');
    await $('[data-testid="export-schedules"]').waitForDisplayed();
    await shot("export-schedules-en");
    await inLanguage("ko");
  });
});
