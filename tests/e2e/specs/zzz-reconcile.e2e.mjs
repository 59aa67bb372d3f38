// Issue 16's reconciliation as a finance clerk closes a quarter, on the real app: payments
// the sandbox made that the store has not seen are found and brought over; then a partial
// refund made at the PG's console (the sandbox's own API, behind the app's back) shows as
// a refunded amount apart, and matching brings it in. In Korean, then the screen in English.
import { browser, $, expect } from "@wdio/globals";
import { click, shot } from "../lib/ui.mjs";
import { atSandbox, sandboxUrl } from "../lib/sandbox.mjs";

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

/** Opens the screen on this quarter and compares; the kinds of the rows shown. */
async function compareQuarter(quarterLabel) {
  await click('[data-testid="nav-reconcile"]');
  await click(await $('[data-testid="reconcile-kind"]').$(`label=${quarterLabel}`));
  const shown = async () => ((await $('[data-testid="reconcile-result"]').isExisting()) ? $('[data-testid="reconcile-result"]').getAttribute("data-asked-at") : null);
  const before = await shown();
  await click('[data-testid="reconcile-compare"]');
  await browser.waitUntil(async () => {
    const now = await shown();
    return now !== null && now !== before;
  }, { timeout: 60000, timeoutMsg: "no comparison arrived" });
  return browser.execute(() => [...document.querySelectorAll('[data-testid="reconcile-row"]')].map((r) => r.getAttribute("data-kind")));
}

describe("reconciliation of a quarter", () => {
  let url;
  before(async () => {
    await browser.setWindowSize(1024, 700);
    await inLanguage("ko");
    url = await sandboxUrl();
    // Payments the sandbox made this quarter that no sync has brought in yet.
    const quarterStart = (() => {
      const now = new Date(Date.now() + 9 * 3600_000);
      return Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1) / 1000 - 9 * 3600;
    })();
    const seeded = await fetch(`${url}/__sandbox/seed`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seed: 31, customers: 10, payments: 200 }) });
    expect(seeded.status).toBe(200);
    const paid = await atSandbox(url, `/payments/status/paid?from=${quarterStart}&limit=100`);
    expect(paid.list.length).toBeGreaterThan(0);
  });

  it("finds what the store lacks, matches it, then catches a partial refund made at the PG", async () => {
    const first = await compareQuarter("분기");
    expect(first).toContain("missing_here");
    await shot("reconcile-ko");
    await click('[data-testid="reconcile-apply"]');
    await $('[data-testid="reconcile-applied"]').waitForDisplayed({ timeout: 60000 });

    const matched = await compareQuarter("분기");
    expect(matched).not.toContain("missing_here");
    expect(matched).not.toContain("refunded");

    // A refund of part of a paid payment, made at the console.
    const now = Math.floor(Date.now() / 1000);
    const paid = await atSandbox(url, `/payments/status/paid?from=${now - 60 * 86400}&limit=100`);
    const payment = paid.list.find((p) => p.amount >= 2000 && p.cancel_amount === 0);
    expect(payment).toBeTruthy();
    await atSandbox(url, "/payments/cancel", { method: "POST", body: JSON.stringify({ imp_uid: payment.imp_uid, amount: 1000, checksum: payment.amount, reason: "콘솔에서 부분 환불" }) });

    const late = await compareQuarter("분기");
    expect(late).toContain("refunded");
    await shot("reconcile-refund-ko");
    await click('[data-testid="reconcile-apply"]');
    await $('[data-testid="reconcile-applied"]').waitForDisplayed({ timeout: 60000 });
    const after = await compareQuarter("분기");
    expect(after).not.toContain("refunded");
    // The payments list now shows the refund.
    const detail = await invoke("payment_detail", { impUid: payment.imp_uid });
    expect(detail.ok).toBe(true);
    expect(detail.v.payment.cancel_amount).toBe(1000);
  });

  it("reads in English", async () => {
    await inLanguage("en");
    await compareQuarter("Quarter");
    await shot("reconcile-en");
    await inLanguage("ko");
  });
});
