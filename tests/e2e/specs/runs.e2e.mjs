// Issue 15's bulk runs on the real app and its built-in sandbox: twenty keys issued at the
// sandbox and imported (and verified) from the Customers page, a CSV "chosen" in the file
// dialog (the debug build's SUBDESK_E2E_PICK_FILE hook), Rust's dry run (count, total,
// VAT, who is left out and why, the duplicate line), the run started, paused mid-way
// (charges made slow by a sandbox latency fault), resumed to the end, each customer
// charged exactly once at the sandbox, and the report saved as .xlsx. Screens at 1024×700
// in Korean and English.
import { browser, $, $$, expect } from "@wdio/globals";
import fs from "node:fs";
import path from "node:path";
import { click, setLanguage, shot } from "../lib/ui.mjs";

const N = 20;
const UIDS = Array.from({ length: N }, (_, i) => `run-e2e-${String(i + 1).padStart(2, "0")}`);
const PICK = process.env.SUBDESK_E2E_PICK_FILE ?? "";
const EXPORTS = process.env.SUBDESK_E2E_SAVE_FILE ?? "";

async function sandboxUrl() {
  await click('[data-testid="nav-dashboard"]');
  const el = await $('[data-testid="api-address"]');
  await el.waitForDisplayed();
  return el.getText();
}

async function token(url) {
  const t = await fetch(`${url}/users/getToken`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ imp_key: "sandbox_imp_key", imp_secret: "sandbox_imp_secret" }),
  }).then((r) => r.json());
  return t.response.access_token;
}

/** Issues a key at the sandbox directly (the registry learns it from the import). */
async function issueAtSandbox(url, auth, uid) {
  const res = await fetch(`${url}/subscribe/customers/${uid}`, {
    method: "POST",
    headers: { "content-type": "application/json", Authorization: auth },
    body: JSON.stringify({ card_number: "4242-4242-4242-4242", expiry: "2031-12", birth: "900101", pwd_2digit: "12", customer_name: "일괄 고객" }),
  }).then((r) => r.json());
  if (res.code !== 0) throw new Error(`issuing ${uid}: ${JSON.stringify(res)}`);
}

/** Paid payments the sandbox holds for a customer, whatever their order ids. */
async function paidAtSandbox(url, auth, uid) {
  const res = await fetch(`${url}/subscribe/customers/${uid}/payments?page=1`, { headers: { Authorization: auth } }).then((r) => r.json());
  return (res.response?.list ?? []).filter((p) => p.status === "paid").length;
}


/** An element's text as the DOM has it (WebKit's driver reads a Mantine badge or button's label as empty). */
async function textOf(selector) {
  const el = typeof selector === "string" ? await $(selector) : selector;
  await el.waitForExist();
  return browser.execute((node) => node.textContent ?? "", el);
}

async function runState() {
  return $('[data-testid="run-state"]').getAttribute("data-state");
}

async function doneCount() {
  return Number(await $('[data-testid="run-progress-text"]').getAttribute("data-done"));
}

describe("bulk runs", () => {
  let url;
  let auth;
  let runId;

  before(async () => {
    await browser.setWindowSize(1024, 700);
    await setLanguage("한국어");
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    url = await sandboxUrl();
    auth = await token(url);
    for (const uid of UIDS) await issueAtSandbox(url, auth, uid);
    // The registry learns the keys from an import, verified at the sandbox.
    await click('[data-testid="nav-customers"]');
    await click('[data-testid="open-import"]');
    // One per line (WebKit's driver drops newlines from a typed value).
    const box = await $('[data-testid="import-text"]');
    await click(box);
    for (const uid of UIDS) {
      await box.addValue(uid);
      await browser.keys("Enter");
    }
    await click('[data-testid="import-check"]');
    await click('[data-testid="import-good"]');
    await $('[data-testid="import-done"]')
      .waitForDisplayed({ timeout: 60000 })
      .catch(async (e) => {
        await shot("FAILED-runs-import");
        throw e;
      });
    await click(await $('[data-testid="import-done"]').$("button"));
    await $('[data-testid="import-done"]').waitForDisplayed({ reverse: true, timeoutMsg: "the import did not close" });
    await browser.pause(400); // the modal's closing transition
  });

  it("makes the dry run of a chosen CSV: count, total, VAT, who is left out and why", async () => {
    const lines = ["customer_uid,amount,name", ...UIDS.map((u, i) => `${u},${1000 + i * 100},12월 이용료`), "nobody-here,5000", `${UIDS[0]},abc`, `${UIDS[1]},1100`];
    fs.writeFileSync(PICK, `${lines.join("\n")}\n`);
    await click('[data-testid="nav-runs"]');
    await expect($('[data-testid="nav-runs"]')).toHaveText(expect.stringContaining("일괄 청구"));
    await shot("runs-empty-ko");
    await click('[data-testid="run-new"]');
    await click('[data-testid="run-plan-button"]');
    const preview = await $('[data-testid="run-preview"]');
    await preview.waitForDisplayed({ timeout: 20000 });
    runId = await preview.getAttribute("data-run-id");
    const total = UIDS.reduce((s, _, i) => s + 1000 + i * 100, 0);
    await expect($('[data-testid="run-preview-count"]')).toHaveText(String(N));
    await expect($('[data-testid="run-preview-total"]')).toHaveText(`₩${total.toLocaleString("en-US")}`);
    expect(await textOf('[data-testid="run-preview-duplicates"]')).toBe("중복된 줄 1개");
    const reasons = [];
    for (const r of await $$('[data-testid="run-excluded-row"]')) reasons.push(await r.getAttribute("data-reason"));
    expect(reasons).toEqual(["no_key", "bad_row", "duplicate_customer"]);
    await expect($('[data-testid="run-excluded"]')).toHaveText(expect.stringContaining("등록되지 않은 고객"));
    await expect($('[data-testid="run-excluded"]')).not.toHaveText(expect.stringContaining("not a whole"));
    await shot("runs-preview-ko");
    // Nothing was charged by the dry run.
    expect(await paidAtSandbox(url, auth, UIDS[0])).toBe(0);
  });

  it("starts, pauses mid-way, resumes to the end: one payment per customer", async () => {
    // Slow charges, so that a pause lands mid-run.
    await fetch(`${url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "latency", latency_ms: 700, method: "POST", path_prefix: "/subscribe/payments/again", count: N }),
    });
    await click('[data-testid="run-start"]');
    await $('[data-testid="run-pause"]').waitForDisplayed({ timeout: 20000 });
    await browser.waitUntil(async () => (await doneCount()) >= 2, { timeout: 30000, timeoutMsg: "nothing was charged" });
    await click('[data-testid="run-pause"]');
    await browser.waitUntil(async () => (await runState()) === "paused", { timeout: 30000, timeoutMsg: "the run did not pause" });
    const paidAtPause = Number(await $('[data-testid="run-paid"]').getText());
    expect(paidAtPause).toBeGreaterThan(0);
    expect(paidAtPause).toBeLessThan(N);
    expect(await textOf('[data-testid="run-resume"]')).toBe("이어서 실행");
    await shot("run-paused-ko");

    await click('[data-testid="run-resume"]');
    await browser.waitUntil(async () => (await runState()) === "completed", { timeout: 60000, timeoutMsg: "the run did not complete" });
    await expect($('[data-testid="run-paid"]')).toHaveText(String(N));
    await shot("run-done-ko");
    await fetch(`${url}/__sandbox/faults`, { method: "DELETE" }).catch(() => undefined);
    const perCustomer = [];
    for (const uid of UIDS) perCustomer.push(await paidAtSandbox(url, auth, uid));
    expect(perCustomer).toEqual(UIDS.map(() => 1));
  });

  it("lists the run and saves its report as .xlsx", async () => {
    await click('[data-testid="run-report"]');
    await click('[data-testid="run-report-xlsx"]');
    await browser.waitUntil(() => fs.readdirSync(EXPORTS).some((f) => f.startsWith("일괄결제_") && f.endsWith(".xlsx")), { timeout: 30000, timeoutMsg: "no report was written" });
    const file = fs.readdirSync(EXPORTS).find((f) => f.startsWith("일괄결제_") && f.endsWith(".xlsx"));
    expect(fs.statSync(path.join(EXPORTS, file)).size).toBeGreaterThan(1000);
    await click('[data-testid="nav-runs"]');
    const row = await $(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await row.waitForDisplayed();
    expect(await textOf(await row.$('[data-testid="run-row-state"]'))).toBe("완료");
    await expect(row.$('[data-testid="run-row-paid"]')).toHaveText(String(N));
    await shot("runs-list-ko");
  });

  it("reads in English, and the same file again is refused as done (with the way to run it anew)", async () => {
    await setLanguage("English");
    await click('[data-testid="nav-runs"]');
    await expect($('[data-testid="nav-runs"]')).toHaveText(expect.stringContaining("Bulk runs"));
    await $(`[data-testid="run-row"][data-run-id="${runId}"]`).waitForDisplayed();
    await shot("runs-list-en");
    // The row's first cell: WebKit's driver does not click a table row itself.
    await click(await $(`[data-testid="run-row"][data-run-id="${runId}"]`).$("td"));
    await $('[data-testid="run-state"]').waitForDisplayed();
    expect(await textOf('[data-testid="run-state"]')).toBe("Completed");
    await shot("run-done-en");
    await click('[data-testid="run-tab-excluded"]');
    await expect($('[data-testid="run-excluded"]')).toHaveText(expect.stringContaining("Same customer as line 3"));
    await shot("run-excluded-en");
    await click('[data-testid="nav-runs"]');
    await click('[data-testid="run-new"]');
    await click('[data-testid="run-plan-button"]');
    await $('[data-testid="run-plan-again"]').waitForDisplayed({ timeout: 20000 });
    await expect($('[data-testid="run-plan-error"]')).toHaveText(expect.stringContaining("already finished"));
    await shot("runs-already-done-en");
    await browser.keys("Escape");
    await setLanguage("한국어");
  });
});
