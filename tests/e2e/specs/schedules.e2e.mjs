// Issue 15's schedules and calendar on the real app and its built-in sandbox: a schedule
// registered from the customer page, moved and revoked from its drawer, each checked at
// the sandbox's own HTTP API; the calendar shows it on its Seoul day (00:30 in Seoul is the
// evening before in UTC). Screens at 1024×700 in Korean and English.
import { browser, $, $$, expect } from "@wdio/globals";
import { choose, click, setLanguage, shot, type } from "../lib/ui.mjs";
import { atSandbox, sandboxUrl } from "../lib/sandbox.mjs";

const UID = "sch-e2e-0001";

/** The sandbox's own answer for one schedule, through its public API with its keys. */
async function scheduleAtSandbox(url, merchantUid) {
  return atSandbox(url, `/subscribe/payments/schedule/${merchantUid}`);
}

/** `days` from now as a Seoul calendar date, YYYY-MM-DD. */
function seoulDate(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
}

/** Unix seconds of a Seoul date and time (UTC+9, no daylight saving). */
function seoulUnix(date, time) {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return Date.UTC(y, m - 1, d, hh - 9, mm) / 1000;
}


async function openCustomer() {
  await click('[data-testid="nav-customers"]');
  const box = await $('[data-testid="customer-search"]');
  await box.click();
  await box.clearValue();
  await box.setValue(UID);
  await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, { timeoutMsg: "the customer was not found" });
  await click('[data-testid="customer-row"]');
  await $('[data-testid="key-card"]').waitForDisplayed({ timeout: 30000 });
  await click('[data-testid="tab-schedules"]');
}

describe("schedules and the calendar", () => {
  let url;
  const date = seoulDate(3);
  let merchantUid;

  before(async () => {
    await browser.setWindowSize(1024, 700);
    // Earlier specs may have left another profile active: the sandbox is the one here.
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    url = await sandboxUrl();
    // A customer with an approving test card, issued through the app's own form.
    await click('[data-testid="nav-customers"]');
    await click('[data-testid="open-issue-key"]');
    await $('[data-testid="issue-card-number"]').waitForDisplayed({ timeout: 20000 });
    const uid = await $('[data-testid="issue-customer-uid"]');
    await uid.click();
    await uid.clearValue();
    await uid.setValue(UID);
    await type("issue-card-number", "4242424242424242");
    await choose("issue-expiry-month", "12");
    await choose("issue-expiry-year", String(new Date().getFullYear() + 3));
    await type("issue-birth", "900101");
    await type("issue-pwd", "12");
    await type("issue-name", "박예약");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
  });

  it("refuses a time in the past on its field and sends nothing", async () => {
    await openCustomer();
    await click('[data-testid="schedule-add"]');
    await type("schedule-date", "2020-01-01");
    await type("schedule-amount", "15000");
    await type("schedule-name", "3월 정기결제");
    await click('[data-testid="schedule-submit"]');
    await $('//*[contains(text(),"이미 지난 시각입니다")]').waitForDisplayed();
    await shot("schedule-form-error-ko");
    const log = await (await fetch(`${url}/__sandbox/requests`)).json();
    const list = Array.isArray(log) ? log : (log.requests ?? log.response);
    expect(list.filter((r) => r.method === "POST" && r.path === "/subscribe/payments/schedule").length).toBe(0);
  });

  it("registers a schedule from the customer page, seen at the sandbox", async () => {
    const d = await $('[data-testid="schedule-date"]');
    await d.click();
    await d.clearValue();
    await d.setValue(date);
    const time = await $('[data-testid="schedule-time"]');
    await time.click();
    await time.clearValue();
    await time.setValue("00:30");
    await click('[data-testid="schedule-submit"]');
    const done = await $('[data-testid="schedule-done"]');
    await done.waitForDisplayed({ timeout: 30000 });
    expect(await done.getProperty("textContent")).toContain("₩15,000");
    await shot("schedule-registered-ko");
    await click('[data-testid="schedule-close"]');
    const row = await $('[data-testid="customer-schedule"]');
    await row.waitForDisplayed({ timeout: 20000 });
    merchantUid = await row.getAttribute("data-merchant-uid");
    const s = await scheduleAtSandbox(url, merchantUid);
    expect(s.customer_uid).toBe(UID);
    expect(s.schedule_status).toBe("scheduled");
    expect(s.schedule_at).toBe(seoulUnix(date, "00:30"));
    await browser.waitUntil(async () => !(await $('[data-testid="schedule-close"]').isExisting()));
    await browser.execute((el) => el.scrollIntoView({ block: "center" }), row);
    await shot("customer-schedules-ko");
  });

  it("shows it on its Seoul day in the calendar, not the UTC one", async () => {
    await click('[data-testid="nav-calendar"]');
    const month = date.slice(0, 7);
    await browser.waitUntil(async () => {
      const shown = await $('[data-testid="calendar-month"]').getAttribute("data-month");
      if (shown === month) return true;
      await click('[data-testid="calendar-next"]');
      return false;
    });
    const day = await $(`[data-testid="calendar-day-${date}"]`);
    await browser.waitUntil(async () => (await day.getAttribute("data-count")) === "1", { timeoutMsg: "the day did not show the schedule" });
    // The UTC date of 00:30 in Seoul is the day before: that cell stays empty.
    const utcDay = new Date(seoulUnix(date, "00:30") * 1000).toISOString().slice(0, 10);
    expect(utcDay).not.toBe(date);
    const before = await $(`[data-testid="calendar-day-${utcDay}"]`);
    if (await before.isExisting()) expect(await before.getAttribute("data-count")).toBe("0");
    await click(day);
    await $('[data-testid="calendar-day-row"]').waitForDisplayed();
    await shot("calendar-ko");
  });

  it("moves it from the drawer, seen at the sandbox", async () => {
    await click('[data-testid="calendar-day-open"]');
    await $('[data-testid="schedule-move-time"]').waitForDisplayed();
    await shot("schedule-drawer-ko");
    const time = await $('[data-testid="schedule-move-time"]');
    await time.click();
    await time.clearValue();
    await time.setValue("09:15");
    await click('[data-testid="schedule-move"]');
    await browser.waitUntil(async () => (await scheduleAtSandbox(url, merchantUid)).schedule_at === seoulUnix(date, "09:15"), { timeoutMsg: "the sandbox did not see the move" });
    await browser.waitUntil(async () => (await $('[data-testid="schedule-drawer-at"]').getText()).includes("09:15"));
  });

  it("revokes it from the drawer, seen at the sandbox", async () => {
    await click('[data-testid="schedule-revoke"]');
    await click('[data-testid="schedule-revoke-yes"]');
    await browser.waitUntil(async () => (await scheduleAtSandbox(url, merchantUid)).schedule_status === "revoked", { timeoutMsg: "the sandbox did not see the revocation" });
    await browser.waitUntil(async () => (await $('[data-testid="schedule-drawer-state"]').getAttribute("data-state")) === "revoked");
    await shot("schedule-revoked-ko");
    await browser.keys("Escape");
  });

  it("lists it with the filter's totals", async () => {
    await click('[data-testid="nav-schedules"]');
    await click('[data-testid="schedule-state-revoked"]');
    await browser.waitUntil(async () => (await $$('[data-testid="schedule-row"]')).length >= 1);
    await browser.waitUntil(async () => String(await $('[data-testid="schedule-total-revoked"]').getProperty("textContent")).includes("₩15,000"), {
      timeoutMsg: "the revoked total did not show the schedule's amount",
    });
    await shot("schedules-ko");
  });

  it("shows the same screens in English", async () => {
    await setLanguage("English");
    await click('[data-testid="nav-schedules"]');
    await click('[data-testid="schedule-state-revoked"]');
    await browser.waitUntil(async () => (await $$('[data-testid="schedule-row"]')).length >= 1);
    await shot("schedules-en");
    await click('[data-testid="schedule-row"]');
    await $('[data-testid="schedule-drawer-state"]').waitForDisplayed();
    await shot("schedule-drawer-en");
    await browser.keys("Escape");
    await click('[data-testid="nav-calendar"]');
    await $('[data-testid="forecast"]').waitForDisplayed();
    await shot("calendar-en");
    await openCustomer();
    await click('[data-testid="schedule-add"]');
    await type("schedule-date", "2020-01-01");
    await type("schedule-amount", "15000");
    await type("schedule-name", "March subscription");
    await click('[data-testid="schedule-submit"]');
    await $('//*[contains(text(),"That time has passed")]').waitForDisplayed();
    await shot("schedule-form-error-en");
    await browser.keys("Escape");
    await setLanguage("한국어");
  });
});
