// Runs last (the specs run in name order, on one data folder): with the customers and
// payments the earlier specs made, every screen is captured in English, then in Korean,
// for docs/screenshots. Each screen is also checked to have opened in that language.
import { browser, $, $$ } from "@wdio/globals";
import { choose, click, expectTitle, pageTitle, setLanguage, shot } from "../lib/ui.mjs";



async function screens(lang, titles) {
  await click('[data-testid="nav-dashboard"]');
  await $('[data-testid="overview"]').waitForDisplayed();
  await shot(`dashboard-${lang}`);

  await click('[data-testid="nav-customers"]');
  await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length > 0);
  await expectTitle(titles.customers);
  await shot(`customers-${lang}`);
  await click('[data-testid="customer-row"]');
  await $('[data-testid="key-card"]').waitForDisplayed();
  await shot(`customer-detail-${lang}`);

  await click('[data-testid="nav-customers"]');
  await click('[data-testid="open-issue-key"]');
  await $('[data-testid="issue-card-number"]').waitForDisplayed();
  await shot(`issue-key-${lang}`);

  await click('[data-testid="nav-charges"]');
  await $('[data-testid="journal"]').waitForDisplayed();
  await expectTitle(titles.charges);
  await shot(`charges-${lang}`);

  await click('[data-testid="nav-schedules"]');
  await expectTitle(titles.schedules);
  await shot(`schedules-${lang}`);

  await click('[data-testid="nav-calendar"]');
  await expectTitle(titles.calendar);
  await $('[data-testid="forecast"]').waitForDisplayed();
  await shot(`calendar-${lang}`);

  await click('[data-testid="nav-payments"]');
  await browser.waitUntil(async () => (await $$('[data-testid="payment-row"]')).length > 0);
  await expectTitle(titles.payments);
  await shot(`payments-${lang}`);
  // The smallest window the UI is made for: the filters, totals and drawer must fit it.
  await browser.setWindowSize(1024, 700);
  await choose("filter-period", lang === "en" ? "This month" : "이번 달");
  await $('[data-testid="payment-totals"]').waitForDisplayed();
  await shot(`payments-month-${lang}`);
  // The customers spec's second charge, found as a clerk would: by the buyer's name (the
  // month holds the bulk run's payments too, more than one screen of rows).
  const search = await $('[data-testid="payment-search"]');
  await search.click();
  await search.setValue("김민준");
  await click(await $("//div[@data-testid='payment-row'][.//*[contains(text(),'₩7,000')]]"));
  await $('[data-testid="refund-form"]').waitForDisplayed();
  await shot(`payment-drawer-${lang}`);
  await browser.keys("Escape");
  await $('[data-testid="refund-form"]').waitForDisplayed({ reverse: true });
  await search.clearValue();
  await browser.setWindowSize(1280, 800);

  await click('[data-testid="nav-settlement"]');
  await expectTitle(titles.settlement);
  await $('[data-testid="settlement-table"]').waitForDisplayed();
  await shot(`settlement-${lang}`);

  await click('[data-testid="nav-audit"]');
  await expectTitle(titles.audit);
  await browser.waitUntil(async () => (await $$('[data-testid="audit-row"]')).length > 0);
  await shot(`audit-${lang}`);

  await click('[data-testid="nav-pgGuide"]');
  await expectTitle(titles.pgGuide);
  await shot(`pgGuide-${lang}`);
  await click('[data-testid="pg-entry-kakaopay-window"] a');
  await $('[data-testid="pg-detail-title"]').waitForDisplayed();
  await shot(`pgGuide-detail-${lang}`);

  await click('[data-testid="nav-settings"]');
  await expectTitle(titles.settings);
  await shot(`settings-${lang}`);
}

/**
 * Every screen in the navigation at the smallest window the UI is made for and on a
 * full-HD monitor, to be looked at: `<width>x<height>-<screen>-<lang>.png`.
 */
async function everyScreenAt(lang, width, height) {
  await browser.setWindowSize(width, height);
  const navs = await browser.execute(() => [...document.querySelectorAll('[data-testid^="nav-"]')].map((e) => e.dataset.testid).filter((id) => id !== "nav-triage-count"));
  expect(navs.length).toBeGreaterThanOrEqual(14);
  for (const nav of navs) {
    await click(`[data-testid="${nav}"]`);
    await browser.waitUntil(async () => (await pageTitle()) !== "", { timeout: 30000, timeoutMsg: `${nav} drew no title` });
    // Lists and figures arrive after the title; the picture is of the screen as it settles.
    await browser.pause(700);
    await shot(`${width}x${height}-${nav.slice(4)}-${lang}`);
  }
  await browser.setWindowSize(1280, 800);
}

describe("every screen, in English and in Korean", () => {
  it("shows every screen in English", async () => {
    await setLanguage("English");
    await expectTitle("Settings");
    await everyScreenAt("en", 1024, 700);
    await everyScreenAt("en", 1920, 1080);
    await screens("en", { customers: "Customers", charges: "Charges", schedules: "Schedules", calendar: "Calendar", payments: "Payments", settlement: "Settlement & VAT", audit: "Audit log", pgGuide: "PG guide", settings: "Settings" });
  });

  it("shows every screen in Korean", async () => {
    await setLanguage("한국어");
    await expectTitle("설정");
    await everyScreenAt("ko", 1024, 700);
    await everyScreenAt("ko", 1920, 1080);
    await screens("ko", { customers: "고객", charges: "결제 요청", schedules: "예약 결제", calendar: "캘린더", payments: "결제 내역", settlement: "정산·부가세", audit: "감사 기록", pgGuide: "PG 가이드", settings: "설정" });
  });
});
