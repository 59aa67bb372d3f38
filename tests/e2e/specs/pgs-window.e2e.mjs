// Issue 17's last part on the real app: a payment-window PG's guide page → "try it on the
// sandbox" → the practice window's address (from the debug build's hook instead of a
// browser) → node fills and submits the window's form as a browser would → the redirect
// says imp_success=true → Customers → Import adopts the key → it is charged → the sandbox
// holds one payment on that PG's channel. Screens of the guide page at 1024×700 in Korean
// and English.
import { browser, $, $$, expect } from "@wdio/globals";
import fs from "node:fs";
import { click, setLanguage, shot, type } from "../lib/ui.mjs";
import { atSandbox, sandboxUrl } from "../lib/sandbox.mjs";

const OPENED = process.env.SUBDESK_E2E_OPENED_URL_FILE ?? "";

async function openGuide(id) {
  await click('[data-testid="nav-pgGuide"]');
  await click(await $(`[data-testid="pg-entry-${id}"]`).$("a"));
  await $('[data-testid="snippet-code"]').waitForDisplayed({ timeout: 20000 });
}

const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** The window's hidden fields, as a browser submits them. */
function hiddenFields(html) {
  const fields = [];
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.push([unescape(m[1]), unescape(m[2])]);
  return fields;
}

describe("a payment-window PG tried on the sandbox, adopted and charged", () => {
  let url;
  before(async () => {
    expect(OPENED).not.toBe("");
    await browser.setWindowSize(1024, 700);
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    await setLanguage("한국어");
    url = await sandboxUrl();
  });

  it("KCP's window issues a key that Import adopts and a charge uses", async () => {
    await openGuide("kcp-window");
    const uidBox = await $('[data-testid="snippet-customer-uid"]');
    await browser.waitUntil(async () => (await uidBox.getValue()) !== "", { timeoutMsg: "no customer_uid from Rust" });
    const uid = await uidBox.getValue();
    const redirect = await $('[data-testid="snippet-redirect"]');
    await click(redirect);
    await redirect.clearValue();
    await redirect.setValue("https://shop.example/billing/done");
    const open = await $('[data-testid="try-sandbox-open"]');
    await browser.execute((el) => el.scrollIntoView({ block: "center" }), open);
    await browser.waitUntil(async () => open.isEnabled(), { timeoutMsg: "try-it stays disabled" });
    expect(await $('[data-testid="try-sandbox"]').getText()).toContain("테스트 카드");
    await shot("pg-guide-try-ko");
    fs.rmSync(OPENED, { force: true });
    await click(open);
    await $('[data-testid="try-sandbox-opened"]').waitForDisplayed({ timeout: 20000 });
    await browser.execute(() => document.querySelector('[data-testid="try-sandbox-opened"]')?.scrollIntoView({ block: "center" }));
    await shot("pg-guide-try-opened-ko");

    // The address Rust would have opened: the sandbox's, its merchant code, the snippet's values.
    const windowUrl = new URL(fs.readFileSync(OPENED, "utf8"));
    expect(windowUrl.origin).toBe(new URL(url).origin);
    expect(windowUrl.pathname).toBe("/practice/window");
    expect(windowUrl.searchParams.get("imp")).toBe("imp00000000");
    expect(windowUrl.searchParams.get("pg")).toBe("kcp_billing");
    expect(windowUrl.searchParams.get("customer_uid")).toBe(uid);

    // The buyer's part, in node: the window's form with a test card, submitted.
    const page = await (await fetch(windowUrl)).text();
    expect(page).toContain("결제창");
    const form = new URLSearchParams([
      ...hiddenFields(page),
      ["card_number", "4242-4242-4242-4242"],
      ["expiry", "2099-12"],
      ["birth", "900101"],
      ["pwd_2digit", "12"],
      ["action", "register"],
    ]);
    const done = await fetch(new URL("/practice/window", windowUrl), { method: "POST", body: form, redirect: "manual" });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get("location"));
    expect(back.origin + back.pathname).toBe("https://shop.example/billing/done");
    expect(back.searchParams.get("imp_success")).toBe("true");
    expect(back.searchParams.get("merchant_uid")).toBe(windowUrl.searchParams.get("merchant_uid"));

    // Customers → Import, from the guide page's link, with the customer_uid filled in.
    await click('[data-testid="try-sandbox-import"]');
    const text = await $('[data-testid="import-text"]');
    await text.waitForDisplayed({ timeout: 20000 });
    expect(await text.getValue()).toBe(uid);
    await click('[data-testid="import-check"]');
    await click(await $('[data-testid="import-good"]'));
    const imported = await $('[data-testid="import-done"]');
    await imported.waitForDisplayed({ timeout: 30000 });
    await shot("pg-window-imported-ko");
    await browser.keys("Escape");

    // The adopted key, charged.
    const box = await $('[data-testid="customer-search"]');
    await click(box);
    await box.clearValue();
    await box.setValue(uid);
    await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, { timeoutMsg: "the imported key is not listed" });
    await click('[data-testid="customer-row"]');
    await expect($('[data-testid="key-card"]')).toHaveText(expect.stringContaining("kcp_billing"));
    await click('[data-testid="charge-now"]');
    await type("charge-amount", "9900");
    await type("charge-name", "월간 구독");
    await browser.waitUntil(async () => $('[data-testid="charge-submit"]').isEnabled(), { timeout: 20000 });
    await click('[data-testid="charge-submit"]');
    await $('[data-testid="charge-paid"]').waitForDisplayed({ timeout: 30000 });
    await browser.keys("Escape");

    // One payment at the sandbox, on KCP's window channel: the key's first.
    const payments = await atSandbox(url, `/subscribe/customers/${encodeURIComponent(uid)}/payments`);
    expect(payments.total).toBe(1);
    expect(payments.list[0].pg_provider).toBe("kcp_billing");
    expect(payments.list[0].amount).toBe(9900);
    expect(payments.list[0].status).toBe("paid");
  });

  it("shows the guide page's try-it in English, and what a phone-billing PG needs", async () => {
    await setLanguage("English");
    await openGuide("kcp-window");
    const tryIt = await $('[data-testid="try-sandbox"]');
    await browser.execute((el) => el.scrollIntoView({ block: "center" }), tryIt);
    expect(await tryIt.getText()).toContain("Try it on the sandbox");
    await shot("pg-guide-try-en");
    await openGuide("danal-phone-window");
    const phone = await $('[data-testid="try-sandbox"]');
    await browser.execute((el) => el.scrollIntoView({ block: "center" }), phone);
    expect(await phone.getText()).toContain("mobile number");
    await shot("pg-guide-try-phone-en");
    await setLanguage("한국어");
  });
});
