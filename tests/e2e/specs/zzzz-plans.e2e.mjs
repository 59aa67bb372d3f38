// Issue 15's plans on the real app and its built-in sandbox: a plan created from the Plans
// page, two customers subscribed from their pages (one with a declining test card), the
// sandbox clock moved about three months with the engine run from the app, the charges
// and every dunning attempt on the customer page, and a subscription cancelled with its
// schedules revoked at the sandbox (checked through the sandbox's own HTTP API). Dunning:
// the plan's retry ladder set on its form, a lost card subscribed from the customer list's
// selection whose hard decline is never retried and is in triage at once, a soft decline's
// attempts on the plan page. Screens at 1024×700 in Korean and English.
//
// Last of the specs (after zzz-exports): it moves the sandbox clock three months ahead and
// leaves revoked and scheduled plan schedules behind, which the schedules list's totals and
// the exports' payment windows of the other specs would otherwise see.
import { browser, $, $$, expect } from "@wdio/globals";
import { choose, click, setLanguage, shot, type } from "../lib/ui.mjs";
import { atSandbox, sandboxUrl } from "../lib/sandbox.mjs";

const GOOD = "plan-e2e-good";
const POOR = "plan-e2e-poor";
const LOST = "plan-e2e-lost";
const CODE = "e2e";
const NAME = "E2E 월간 멤버십";

/** The sandbox's own answer for one schedule. */
async function scheduleAtSandbox(url, merchantUid) {
  return atSandbox(url, `/subscribe/payments/schedule/${merchantUid}`);
}

/** The sandbox's time, as a Seoul date `days` later (YYYY-MM-DD). */
async function sandboxDate(url, days) {
  const v = await fetch(`${url}/__sandbox/clock`).then((r) => r.json());
  const now = (v.response ?? v).now;
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date((now + days * 86_400) * 1000));
}


async function issue(uid, card, name) {
  await click('[data-testid="nav-customers"]');
  await click('[data-testid="open-issue-key"]');
  await $('[data-testid="issue-card-number"]').waitForDisplayed({ timeout: 20000 });
  const box = await $('[data-testid="issue-customer-uid"]');
  await box.click();
  await box.clearValue();
  await box.setValue(uid);
  await type("issue-card-number", card);
  await choose("issue-expiry-month", "12");
  await choose("issue-expiry-year", String(new Date().getFullYear() + 3));
  await type("issue-birth", "900101");
  await type("issue-pwd", "12");
  await type("issue-name", name);
  await click('[data-testid="issue-submit"]');
  await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
}

async function openCustomer(uid) {
  await click('[data-testid="nav-customers"]');
  const box = await $('[data-testid="customer-search"]');
  await box.click();
  await box.clearValue();
  await box.setValue(uid);
  await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, { timeoutMsg: `${uid} was not found` });
  await click('[data-testid="customer-row"]');
  await $('[data-testid="key-card"]').waitForDisplayed({ timeout: 30000 });
  await click('[data-testid="tab-subscriptions"]');
  await $('[data-testid="subscriptions"]').waitForDisplayed();
}

async function subscribe(uid) {
  await openCustomer(uid);
  await click('[data-testid="subscribe-open"]');
  await click('[data-testid="subscribe-plan"]');
  const option = await $(`//div[@role="option"][contains(normalize-space(), "${NAME}")]`);
  await option.waitForDisplayed();
  await browser.pause(300); // the dropdown's opening transition
  await option.click();
  await browser.waitUntil(async () => (await $('[data-testid="subscribe-plan"]').getValue()).includes(NAME), { timeoutMsg: "the plan was not chosen" });
  await click('[data-testid="subscribe-submit"]');
  await browser
    .waitUntil(async () => !(await $('[data-testid="subscribe-modal"]').isExisting()), { timeout: 30000, timeoutMsg: "the subscribe form did not close" })
    .catch(async (e) => {
      await shot(`subscribe-failed-${uid}`);
      throw e;
    });
  await $('[data-testid="subscription"]').waitForDisplayed({ timeout: 20000 });
}

/** "Run now" on the Plans page until a run of its own finishes (the app's timer may hold the runner). */
async function runEngine() {
  await click('[data-testid="nav-plans"]');
  for (let attempt = 0; attempt < 10; attempt++) {
    const button = await $('[data-testid="plans-run"]');
    await click(button);
    await browser.waitUntil(async () => (await button.getAttribute("data-loading")) === null, { timeout: 60000, timeoutMsg: "the engine run did not finish" });
    if (await $('[data-testid="plans-run-done"]').isExisting()) return;
    await browser.pause(1000);
  }
  throw new Error("the engine never ran from the button");
}

/** The first subscription at the top of the screen, for its screenshot. */
async function showSubscription() {
  await browser.execute((el) => el.scrollIntoView({ block: "start" }), await $('[data-testid="subscription"]'));
  await browser.pause(200);
}

/** Scheduled periods' order ids on the open customer page, once the engine has run. */
async function periodIds(state) {
  const rows = await $$(`[data-testid="subscription-period"][data-state="${state}"]`);
  const ids = [];
  for (const r of rows) ids.push(await r.getAttribute("data-merchant-uid"));
  return ids;
}

describe("plans and subscriptions", () => {
  let url;

  before(async () => {
    await browser.setWindowSize(1024, 700);
    // Earlier specs may have left the app in English: this spec reads Korean first.
    await setLanguage("한국어");
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    url = await sandboxUrl();
    await issue(GOOD, "4242424242424242", "김정기");
    await issue(POOR, "9410000000000013", "이잔액");
    await issue(LOST, "9410000000000039", "박분실");
  });

  it("refuses a bad plan on its fields, then creates one", async () => {
    await click('[data-testid="nav-plans"]');
    await click('[data-testid="plan-new"]');
    await type("plan-code", "Bad!");
    await type("plan-name", NAME);
    await type("plan-amount", "0");
    await type("plan-date", "2020-01-01");
    await click('[data-testid="plan-submit"]');
    await $('//*[contains(text(),"영문 소문자와 숫자로")]').waitForDisplayed();
    await $('//*[contains(text(),"1원 이상 입력하세요")]').waitForDisplayed();
    await browser.pause(500); // the modal's opening transition
    await shot("plan-form-error-ko");
    const code = await $('[data-testid="plan-code"]');
    await code.click();
    await code.clearValue();
    await code.setValue(CODE);
    const amount = await $('[data-testid="plan-amount"]');
    await amount.click();
    await amount.clearValue();
    await amount.setValue("12000");
    const date = await $('[data-testid="plan-date"]');
    await date.click();
    await date.clearValue();
    await date.setValue(await sandboxDate(url, 1));
    // Rust's default ladder (1, 3, 5, 7 days): keep two retries, on days 1 and 3.
    await $('[data-testid="plan-ladder-3"]').waitForDisplayed();
    await click('[data-testid="plan-ladder-remove-3"]');
    await click('[data-testid="plan-ladder-remove-2"]');
    expect(await $('[data-testid="plan-ladder-2"]').isExisting()).toBe(false);
    await shot("plan-form-ladder-ko");
    await click('[data-testid="plan-submit"]');
    await $('[data-testid="plan-figure-mrr"]').waitForDisplayed({ timeout: 20000 });
    expect(await $('[data-testid="page-title"]').getText()).toBe(NAME);
  });

  it("subscribes two customers from their pages; the engine registers their periods at the sandbox", async () => {
    await subscribe(GOOD);
    await subscribe(POOR);
    // The lost card from the customer list: select its row, subscribe many, Rust's preview.
    await click('[data-testid="nav-customers"]');
    const box = await $('[data-testid="customer-search"]');
    await box.click();
    await box.clearValue();
    await box.setValue(LOST);
    await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, { timeoutMsg: `${LOST} was not found` });
    await click('[data-testid="customer-select"]');
    await click('[data-testid="subscribe-selected"]');
    await click('[data-testid="many-plan"]');
    const option = await $(`//div[@role="option"][contains(normalize-space(), "${NAME}")]`);
    await option.waitForDisplayed();
    await browser.pause(300);
    await option.click();
    await click('[data-testid="many-preview"]');
    await $('[data-testid="many-summary"]').waitForDisplayed({ timeout: 20000 });
    expect((await $$('[data-testid="many-row"][data-left-out=""]')).length).toBe(1);
    await shot("subscribe-many-ko");
    await click('[data-testid="many-submit"]');
    await $('[data-testid="many-done"]').waitForDisplayed({ timeout: 30000 });
    await browser.keys("Escape");
    await runEngine();
    await openCustomer(GOOD);
    await browser.waitUntil(async () => (await periodIds("scheduled")).length === 3, { timeout: 30000, timeoutMsg: "three periods were not registered" });
    for (const m of await periodIds("scheduled")) expect((await scheduleAtSandbox(url, m)).schedule_status).toBe("scheduled");
    await click('[data-testid="nav-plans"]');
    const row = await $(`[data-testid="plan-row"][data-code="${CODE}"]`);
    await row.waitForDisplayed();
    await browser.waitUntil(async () => (await row.$('[data-testid="plan-subscribers"]').getText()).includes("3"));
    expect(await row.$('[data-testid="plan-mrr"]').getText()).toContain("36,000");
    await shot("plans-ko");
    await click(await row.$("td"));
    await $('[data-testid="plan-subscribers"]').waitForDisplayed();
    await shot("plan-ko");
  });

  it("charges over three months of sandbox time, with every dunning attempt on the customer page", async () => {
    const advance = async (step, times = 1) => {
      await click('[data-testid="nav-dashboard"]');
      for (let i = 0; i < times; i++) {
        await click(`[data-testid="sandbox-clock-${step}"]`);
        await browser.pause(500);
      }
    };
    for (let month = 0; month < 3; month++) {
      // A month with the app closed: the engine then learns the period failed, and the
      // retries keep the ladder's spacing from then on (a day, then two days later), never
      // all at once.
      await advance("month");
      await runEngine();
      await advance("day");
      await runEngine();
      await advance("day", 2);
      await runEngine();
    }
    await openCustomer(GOOD);
    await browser.waitUntil(async () => (await periodIds("paid")).length >= 2, { timeout: 30000, timeoutMsg: "the good card's periods were not paid" });
    await showSubscription();
    await shot("customer-subscription-ko");
    await openCustomer(POOR);
    await browser.waitUntil(async () => (await periodIds("written_off")).length >= 2, { timeout: 30000, timeoutMsg: "the declining card's periods were not written off" });
    const failed = await $$('[data-testid="subscription-attempt"][data-outcome="failed"]');
    // Each written-off period: its schedule and two retries, every one visible.
    expect(failed.length).toBeGreaterThanOrEqual(6);
    await $('//*[contains(text(),"잔액부족")]').waitForDisplayed();
    expect((await $$('[data-testid="attempt-decline"][data-class="soft"]')).length).toBeGreaterThanOrEqual(6);
    await showSubscription();
    await shot("customer-dunning-ko");
    // The lost card: each period's schedule failed once, never retried, marked as such.
    await openCustomer(LOST);
    await browser.waitUntil(async () => (await periodIds("written_off")).length >= 1, { timeout: 30000, timeoutMsg: "the lost card's period was not given up" });
    // One attempt per period: the schedule, no retry.
    expect((await $$('[data-testid="subscription-attempt"]')).length).toBe((await $$('[data-testid="subscription-period"]')).length);
    expect((await $$('[data-testid="attempt-decline"][data-class="hard"]')).length).toBeGreaterThanOrEqual(1);
    await showSubscription();
    await shot("customer-hard-decline-ko");
    // In triage at once, marked not retried.
    await click('[data-testid="nav-triage"]');
    const entry = await $(`//*[@data-testid="triage-entry"][.//*[contains(text(),"박분실")]][.//*[@data-testid="triage-hard"]]`);
    await entry.waitForDisplayed({ timeout: 20000 });
    await browser.execute((el) => el.scrollIntoView({ block: "start" }), entry);
    await shot("triage-hard-decline-ko");
    // The plan page shows the soft decline's attempts.
    await click('[data-testid="nav-plans"]');
    await click(await $(`[data-testid="plan-row"][data-code="${CODE}"]`).$("td"));
    await $('[data-testid="plan-subscribers"]').waitForDisplayed();
    await browser.waitUntil(async () => (await $$('[data-testid="plan-subscriber-attempt"]')).length >= 2, { timeout: 20000, timeoutMsg: "no attempts on the plan page" });
    await shot("plan-dunning-ko");
  });

  it("cancels a subscription now and its schedules are revoked at the sandbox", async () => {
    await openCustomer(GOOD);
    const live = await periodIds("scheduled");
    expect(live.length).toBeGreaterThan(0);
    await click('[data-testid="subscription-cancel"]');
    await click('[data-testid="subscription-cancel-now"]');
    await click('[data-testid="subscription-confirm-yes"]');
    await $('[data-testid="subscription-changed"]').waitForDisplayed({ timeout: 30000 });
    for (const m of live) expect((await scheduleAtSandbox(url, m)).schedule_status).toBe("revoked");
    await browser.waitUntil(async () => (await $('[data-testid="subscription"]').getAttribute("data-state")) === "cancelled");
    await showSubscription();
    await shot("customer-cancelled-ko");
  });

  it("shows the same screens in English", async () => {
    await setLanguage("English");
    await click('[data-testid="nav-plans"]');
    await $(`[data-testid="plan-row"][data-code="${CODE}"]`).waitForDisplayed();
    await shot("plans-en");
    await click(await $(`[data-testid="plan-row"][data-code="${CODE}"]`).$("td"));
    await $('[data-testid="plan-subscribers"]').waitForDisplayed();
    await shot("plan-en");
    await openCustomer(POOR);
    await $('[data-testid="subscription-periods"]').waitForDisplayed();
    await showSubscription();
    await shot("customer-dunning-en");
    await openCustomer(LOST);
    await showSubscription();
    await shot("customer-hard-decline-en");
    await click('[data-testid="nav-triage"]');
    await $('[data-testid="triage-hard"]').waitForDisplayed({ timeout: 20000 });
    await shot("triage-en");
    await openCustomer(GOOD);
    await showSubscription();
    await shot("customer-cancelled-en");
    await click('[data-testid="nav-plans"]');
    await click('[data-testid="plan-new"]');
    await type("plan-code", "x");
    await type("plan-amount", "0");
    await click('[data-testid="plan-submit"]');
    await $('//*[contains(text(),"Enter at least ₩1.")]').waitForDisplayed();
    await shot("plan-form-error-en");
    const ladder = await $('[data-testid="plan-ladder"]');
    await browser.execute((el) => el.scrollIntoView({ block: "center" }), ladder);
    await shot("plan-form-ladder-en");
    await browser.keys("Escape");
    await setLanguage("한국어");
  });
});
