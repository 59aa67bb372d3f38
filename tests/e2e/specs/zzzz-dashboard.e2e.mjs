// Issue 16's dashboard on the real app: with the sandbox's seeded payments synced, each
// figure opens its list filtered to what it counts, and the list's count is the figure's.
// Then the dashboard is captured in Korean and English at the smallest window the UI is
// made for and at full HD.
import { browser, $, expect } from "@wdio/globals";
import { click, shot } from "../lib/ui.mjs";

async function figureCount(testid) {
  const el = await $(`[data-testid="${testid}"]`);
  await el.waitForDisplayed({ timeout: 30000 });
  return Number(await el.getAttribute("data-count"));
}

async function dashboard() {
  await click('[data-testid="nav-dashboard"]');
  await $('[data-testid="overview"]').waitForDisplayed({ timeout: 30000 });
}

async function choosePeriod(label) {
  await click(await $('[data-testid="dashboard-period"]').$(`label=${label}`));
}

/** The list's own count once it has settled on `expected` (it may first show the last list's). */
async function listCountBecomes(testid, expected) {
  const el = await $(`[data-testid="${testid}"]`);
  await el.waitForDisplayed({ timeout: 30000 });
  // By its text content: WebKit reports a badge's styled text as empty.
  const text = async () => String(await el.getProperty("textContent"));
  await browser.waitUntil(async () => (await text()).includes(expected), { timeout: 30000, timeoutMsg: `${testid} never showed ${expected}: ${await text()}` });
  return text();
}

describe("the dashboard's figures open their lists", () => {
  before(async () => {
    await browser.setWindowSize(1024, 700);
    const address = await $('[data-testid="api-address"]');
    try {
      await address.waitForDisplayed({ timeout: 30000 });
    } catch (e) {
      await shot("FAILED-dashboard-start");
      console.log("start failed; page error:", await browser.execute(() => document.documentElement.getAttribute("data-err")), "rej:", await browser.execute(() => document.documentElement.getAttribute("data-rej")), "root:", await browser.execute(() => document.getElementById("root")?.innerHTML.slice(0, 300)));
      throw e;
    }
    await browser.waitUntil(async () => /^http/.test(String(await address.getProperty("textContent"))), { timeout: 30000, timeoutMsg: "no sandbox address" });
    const url = String(await address.getProperty("textContent"));
    const seeded = await fetch(`${url}/__sandbox/seed`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seed: 17, customers: 30, payments: 400 }) });
    expect(seeded.status).toBe(200);
    await click('[data-testid="nav-payments"]');
    await click('[data-testid="sync-now"]');
    await browser.waitUntil(async () => !(await $('[data-testid="sync-progress"]').isExisting()), { timeout: 120000, timeoutMsg: "sync did not finish" });
  });

  it("gross, refunds and failures open the payments list with the same count", async () => {
    await dashboard();
    await choosePeriod("이번 분기");
    // The quarter's first day starts the range once Rust has answered for it.
    await browser.waitUntil(async () => /\. (01|04|07|10)\. 01\. –/.test(await $('[data-testid="dashboard-range"]').getText()));
    let checked = 0;
    for (const figure of ["figure-gross", "figure-refunds", "figure-failed", "figure-plans"]) {
      await dashboard();
      const count = await figureCount(figure);
      await click(`[data-testid="${figure}"]`);
      const text = await listCountBecomes("totals-count", `${count.toLocaleString("ko-KR")}건`);
      console.log(`${figure}: dashboard ${count}, list "${text}"`);
      expect(text).toBe(`${count.toLocaleString("ko-KR")}건`);
      expect(await $('[data-testid="filter-period"]').getValue()).toBe("이번 분기");
      if (count > 0) checked++;
    }
    // The seeded quarter has payments, refunds and failures: real counts were compared.
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it("the next 7 days open the schedules list with the same count", async () => {
    await dashboard();
    const count = await figureCount("figure-next-week");
    await click('[data-testid="figure-next-week"]');
    const text = await listCountBecomes("schedule-total", `${count.toLocaleString("ko-KR")}건`);
    console.log(`next 7 days: dashboard ${count}, list "${text}"`);
  });

  it("is captured in Korean and English, small and large", async () => {
    for (const [lang, label, title] of [
      ["ko", null, "대시보드"],
      ["en", "English", "Dashboard"],
    ]) {
      if (label) {
        await click('[data-testid="nav-settings"]');
        await click(await $('[data-testid="language-switch"]').$(`label=${label}`));
        await browser.waitUntil(async () => (await $('[data-testid="page-title"]').getText()) !== "설정");
      }
      for (const [w, h] of [
        [1024, 700],
        [1920, 1080],
      ]) {
        await browser.setWindowSize(w, h);
        await dashboard();
        expect(await $('[data-testid="page-title"]').getText()).toBe(title);
        await $('[data-testid="chart-daily"]').waitForDisplayed();
        // The charts animate in: the picture is of them drawn.
        await browser.pause(1500);
        await shot(`dashboard-${lang}-${w}x${h}`);
        await browser.execute(() => window.scrollTo(0, document.body.scrollHeight));
        const main = await $("main");
        if (await main.isExisting()) await browser.execute((m) => m.scrollTo(0, m.scrollHeight), main);
        await browser.pause(300);
        await shot(`dashboard-${lang}-${w}x${h}-lower`);
      }
    }
    await browser.setWindowSize(1024, 700);
  });
});
