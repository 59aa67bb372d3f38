// Issue 15's triage queue on the real app and its built-in sandbox: a charge of a declining
// test card (crates/sandbox/src/cards.rs: 9410-0000-0000-0013, 잔액부족) appears under
// "확인 필요" with the count beside it in the navigation; "mark resolved" removes it and the
// count drops. Screens at 1024×700 in Korean and English.
import { browser, $, $$, expect } from "@wdio/globals";
import { choose, click, expectTitle, setLanguage, shot, type } from "../lib/ui.mjs";

const UID = "tri-e2e-0001";
const NAME = "최확인";


/** The count beside "확인 필요" in the navigation (none shown: 0). */
async function navCount() {
  const badge = await $('[data-testid="nav-triage-count"]');
  if (!(await badge.isExisting())) return 0;
  return Number(String(await badge.getProperty("textContent")).trim());
}

/** Opens the customer page and charges its key; the card declines. */
async function declinedCharge(amount, name) {
  await click('[data-testid="nav-customers"]');
  const box = await $('[data-testid="customer-search"]');
  await box.click();
  await box.clearValue();
  await box.setValue(UID);
  await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, { timeoutMsg: "the customer was not found" });
  await click('[data-testid="customer-row"]');
  await $('[data-testid="key-card"]').waitForDisplayed({ timeout: 30000 });
  await click('[data-testid="charge-now"]');
  await type("charge-amount", String(amount));
  await type("charge-name", name);
  await click('[data-testid="charge-submit"]');
  await $('[data-testid="charge-declined"]').waitForDisplayed({ timeout: 30000 });
  await click(await $("//button[normalize-space()='닫기']"));
}

/** This customer's entry in the queue, once it is there. */
async function entryOf(kind) {
  const sel = `//div[@data-testid='triage-entry'][@data-kind='${kind}'][.//*[contains(text(),'${NAME}')]]`;
  const el = await $(sel);
  await el.waitForDisplayed({ timeout: 30000 });
  return el;
}

async function resolve(entry, note) {
  const key = await entry.getAttribute("data-key");
  await click(await entry.$('[data-testid="triage-resolve"]'));
  await type("triage-note", note);
  await click('[data-testid="triage-resolve-yes"]');
  await browser.waitUntil(async () => !(await $(`[data-key="${key}"]`).isExisting()), { timeout: 20000, timeoutMsg: "the resolved entry stayed" });
}

describe("the triage queue", () => {
  before(async () => {
    await browser.setWindowSize(1024, 700);
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    // A customer whose card the card company declines (insufficient funds).
    await click('[data-testid="nav-customers"]');
    await click('[data-testid="open-issue-key"]');
    await $('[data-testid="issue-card-number"]').waitForDisplayed({ timeout: 20000 });
    const uid = await $('[data-testid="issue-customer-uid"]');
    await uid.click();
    await uid.clearValue();
    await uid.setValue(UID);
    await type("issue-card-number", "9410000000000013");
    await choose("issue-expiry-month", "12");
    await choose("issue-expiry-year", String(new Date().getFullYear() + 3));
    await type("issue-birth", "900101");
    await type("issue-pwd", "12");
    await type("issue-name", NAME);
    await type("issue-tel", "010-5555-0101");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
  });

  it("shows a declined charge with the count in the navigation; mark resolved removes it and the count drops", async () => {
    await expect($('[data-testid="nav-triage"]')).toHaveText(expect.stringContaining("확인 필요"));
    const before = await navCount();
    await declinedCharge(9900, "월 구독");
    await browser.waitUntil(async () => (await navCount()) === before + 1, { timeout: 40000, timeoutMsg: "the count did not go up by one" });

    await click('[data-testid="nav-triage"]');
    await expectTitle("확인 필요");
    const entry = await entryOf("failed_charge");
    const text = String(await entry.getProperty("textContent"));
    expect(text).toContain("결제 실패");
    expect(text).toContain("₩9,900");
    expect(text).toContain("잔액부족");
    await expect(entry.$('[data-testid="triage-retry"]')).toBeDisplayed();
    await expect(entry.$('[data-testid="triage-copy-tel"]')).toBeDisplayed();
    await shot("triage-ko");

    await click(await entry.$('[data-testid="triage-resolve"]'));
    await $('[data-testid="triage-note"]').waitForDisplayed();
    await shot("triage-resolve-ko");
    await type("triage-note", "고객과 통화함");
    const key = await entry.getAttribute("data-key");
    await click('[data-testid="triage-resolve-yes"]');
    await browser.waitUntil(async () => !(await $(`[data-key="${key}"]`).isExisting()), { timeout: 20000, timeoutMsg: "the resolved entry stayed" });
    await browser.waitUntil(async () => (await navCount()) === before, { timeout: 20000, timeoutMsg: "the count did not drop" });
    await shot("triage-after-resolve-ko");
  });

  it("reads in English", async () => {
    const before = await navCount();
    await declinedCharge(5000, "추가 결제");
    await browser.waitUntil(async () => (await navCount()) === before + 1, { timeout: 40000, timeoutMsg: "the count did not go up by one" });
    await setLanguage("English");
    await click('[data-testid="nav-triage"]');
    await expectTitle("Needs attention");
    await expect($('[data-testid="nav-triage"]')).toHaveText(expect.stringContaining("Needs attention"));
    const entry = await entryOf("failed_charge");
    const text = String(await entry.getProperty("textContent"));
    expect(text).toContain("Charge failed");
    expect(text).toContain("Retry the same order");
    await shot("triage-en");
    await resolve(entry, "called the customer");
    await browser.waitUntil(async () => (await navCount()) === before, { timeout: 20000, timeoutMsg: "the count did not drop" });
    await setLanguage("한국어");
  });
});
