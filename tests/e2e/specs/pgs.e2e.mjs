// Issue 17's four REST fixes on the real app and its built-in sandbox, each as a merchant
// meets it in Customers → Issue key: Settlebank only as a key with a first charge, then
// charged again; KSNET asks the kind of goods and its key is charged with it; KG INICIS
// marks the holder required for a key with a first charge and shows Rust's reason; JTNet
// is offered over REST and issues. Each issuance is checked at the sandbox's request log.
// Screens at 1024×700 in Korean and English.
import { browser, $, expect } from "@wdio/globals";
import { choose, click, setLanguage, shot, type } from "../lib/ui.mjs";

async function sandboxUrl() {
  await click('[data-testid="nav-dashboard"]');
  const el = await $('[data-testid="api-address"]');
  await el.waitForDisplayed();
  return el.getText();
}

async function sandboxRequests(url) {
  const body = await (await fetch(`${url}/__sandbox/requests`)).json();
  return Array.isArray(body) ? body : (body.requests ?? body.response);
}

/** The JSON bodies the sandbox received on `path`. */
async function bodiesTo(url, path) {
  return (await sandboxRequests(url)).filter((r) => r.path === path && r.method === "POST").map((r) => JSON.parse(r.body ?? "{}"));
}


/** The issue form on one channel (its option reads "name (pg)"). */
async function openIssueForm(pg, uid) {
  await click('[data-testid="nav-customers"]');
  await click('[data-testid="open-issue-key"]');
  await $('[data-testid="issue-card-number"]').waitForDisplayed({ timeout: 20000 });
  await click('[data-testid="issue-pg"]');
  await click(await $(`//div[@role="option"][contains(normalize-space(), "(${pg})")]`));
  const box = await $('[data-testid="issue-customer-uid"]');
  await box.click();
  await box.clearValue();
  await box.setValue(uid);
}

async function fillCard({ birth = "900101", pwd = "12" } = {}) {
  await type("issue-card-number", "4242424242424242");
  await choose("issue-expiry-month", "12");
  await choose("issue-expiry-year", String(new Date().getFullYear() + 3));
  if (birth) await type("issue-birth", birth);
  if (pwd) await type("issue-pwd", pwd);
}

const wrapperText = async (testid) =>
  String(await browser.execute((id) => document.querySelector(`[data-testid="${id}"]`)?.closest(".mantine-InputWrapper-root, .mantine-Switch-root")?.textContent ?? "", testid));

/** From the issued key's page: charge it now and expect it paid. */
async function chargeIssuedKey(amount) {
  await click('[data-testid="open-issued"]');
  await click('[data-testid="charge-now"]');
  await type("charge-amount", String(amount));
  await type("charge-name", "정기결제");
  await browser.waitUntil(async () => (await $('[data-testid="charge-submit"]').isEnabled()), { timeout: 20000 });
  await click('[data-testid="charge-submit"]');
  await $('[data-testid="charge-paid"]').waitForDisplayed({ timeout: 30000 });
  await browser.keys("Escape");
  await $('[data-testid="charge-paid"]').waitForDisplayed({ reverse: true, timeout: 10000 });
}

/** The form has Rust's answer: the submit button is not busy any more. */
async function settled() {
  await browser.waitUntil(async () => !(await $('[data-testid="issue-submit"]').getAttribute("data-loading")), { timeout: 20000 });
}

describe("every REST PG of the guide on the sandbox", () => {
  let url;
  before(async () => {
    await browser.setWindowSize(1024, 700);
    const current = await $('[data-testid="status-profile"]').getText();
    if (!/샌드박스|Sandbox/.test(current)) {
      await click('[data-testid="profile-switcher"]');
      await click('[data-testid="switch-to-sandbox"]');
    }
    await setLanguage("한국어");
    url = await sandboxUrl();
  });

  it("Settlebank: a key only with a first charge, explained, then charged again", async () => {
    await openIssueForm("settle.nxca_jt_il", "pgs-e2e-settle");
    const toggle = await $('[data-testid="issue-with-charge"]');
    expect(await toggle.isSelected()).toBe(true);
    expect(await toggle.isEnabled()).toBe(false);
    expect(await wrapperText("issue-with-charge")).toContain("첫 결제와 함께만 빌링키를 발급합니다");
    expect(await $('[data-testid="issue-birth"]').getAttribute("placeholder")).toBe("123456");
    await fillCard({ birth: "", pwd: "" });
    await type("issue-charge-amount", "1000");
    await type("issue-charge-name", "첫 결제");
    await shot("pgs-settle-ko");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
    expect(await $('[data-testid="issue-success"]').getText()).toContain("₩1,000");
    // One onetime with customer_uid, no key-only request.
    expect((await bodiesTo(url, "/subscribe/customers/pgs-e2e-settle")).length).toBe(0);
    const onetime = (await bodiesTo(url, "/subscribe/payments/onetime")).filter((b) => b.customer_uid === "pgs-e2e-settle");
    expect(onetime.length).toBe(1);
    expect(onetime[0].pg).toBe("settle.nxca_jt_il");
    await chargeIssuedKey(9900);
  });

  it("KSNET: asks the kind of goods, refuses without it, and its key is charged with it", async () => {
    await openIssueForm("ksnet.2999199999", "pgs-e2e-ksnet");
    await fillCard();
    await type("issue-name", "김민준");
    await click('[data-testid="issue-submit"]');
    await browser.waitUntil(async () => (await wrapperText("issue-product-type")).includes("필수 항목입니다"), { timeoutMsg: "no problem under product_type" });
    expect(await wrapperText("issue-product-type")).toContain("KSNET");
    await settled();
    await shot("pgs-ksnet-ko");
    expect((await bodiesTo(url, "/subscribe/customers/pgs-e2e-ksnet")).length).toBe(0);
    await choose("issue-product-type", "디지털 상품·서비스 (digital)");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
    await chargeIssuedKey(5000);
    const again = (await bodiesTo(url, "/subscribe/payments/again")).filter((b) => b.customer_uid === "pgs-e2e-ksnet");
    expect(again.at(-1)?.product_type).toBe("digital");
  });

  it("KG INICIS: the holder is required for a key with a first charge, with Rust's reason", async () => {
    await openIssueForm("html5_inicis.INIBillTst", "pgs-e2e-inicis");
    await browser.execute((el) => el.click(), await $('[data-testid="issue-with-charge"]'));
    for (const id of ["issue-name", "issue-email", "issue-tel"]) {
      expect(await wrapperText(id)).toContain("첫 결제와 함께 발급하려면 필요합니다");
    }
    await fillCard();
    await type("issue-charge-amount", "1000");
    await type("issue-charge-name", "첫 결제");
    await click('[data-testid="issue-submit"]');
    await browser.waitUntil(async () => (await wrapperText("issue-email")).includes("KG이니시스는"), { timeoutMsg: "no reason under the e-mail" });
    await settled();
    await shot("pgs-inicis-ko");
    await type("issue-name", "김민준");
    await type("issue-email", "minjun@example.kr");
    await type("issue-tel", "010-1234-5678");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
    expect(await $('[data-testid="issue-success"]').getText()).toContain("₩1,000");
  });

  it("JTNet: offered over REST, issues with its channel key, and is charged", async () => {
    await openIssueForm("jtnet.tpaykeyin1m", "pgs-e2e-jtnet");
    await fillCard();
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
    const sent = await bodiesTo(url, "/subscribe/customers/pgs-e2e-jtnet");
    expect(sent.length).toBe(1);
    expect(sent[0].pg).toBe("jtnet.tpaykeyin1m");
    expect(sent[0].channel_key).toBe("channel-key-jtnet-0001");
    await chargeIssuedKey(3000);
  });

  it("asks before re-pointing a customer_uid that has a key", async () => {
    await openIssueForm("nice.nictest04m", "pgs-e2e-jtnet");
    await fillCard();
    await click('[data-testid="issue-submit"]');
    const key = await $('[data-testid="issue-replace-key"]');
    await key.waitForDisplayed({ timeout: 30000 });
    expect(await key.getText()).toContain("jtnet");
    await shot("pgs-replace-ko");
    await click('[data-testid="issue-replace-cancel"]');
    expect((await bodiesTo(url, "/subscribe/customers/pgs-e2e-jtnet")).length).toBe(1);
  });

  it("shows the same forms in English", async () => {
    await setLanguage("English");
    await openIssueForm("settle.nxca_jt_il", "pgs-e2e-en");
    expect(await wrapperText("issue-with-charge")).toContain("only together with a first charge");
    await shot("pgs-settle-en");
    await openIssueForm("html5_inicis.INIBillTst", "pgs-e2e-en");
    await browser.execute((el) => el.click(), await $('[data-testid="issue-with-charge"]'));
    expect(await wrapperText("issue-tel")).toContain("Required for a key with a first charge");
    await shot("pgs-inicis-en");
    await openIssueForm("ksnet.2999199999", "pgs-e2e-en");
    expect(await wrapperText("issue-product-type")).toContain("KSNET");
    await shot("pgs-ksnet-en");
    await click('[data-testid="nav-pgGuide"]');
    await $('[data-testid="guide-coverage-summary"]').waitForDisplayed({ timeout: 20000 });
    expect(await $('[data-testid="coverage-jtnet-api"]').getAttribute("data-configured")).toBe("true");
    await browser.execute(() => document.querySelector('[data-testid="readiness"]')?.scrollIntoView({ block: "start" }));
    await shot("pgs-readiness-en");
    await setLanguage("한국어");
    await click('[data-testid="nav-pgGuide"]');
    await $('[data-testid="guide-coverage-summary"]').waitForDisplayed({ timeout: 20000 });
    await browser.execute(() => document.querySelector('[data-testid="readiness"]')?.scrollIntoView({ block: "start" }));
    expect(await $('[data-testid="guide-coverage-summary"]').getText()).toContain("16가지 중 16가지");
    await shot("pgs-readiness-ko");
  });
});
