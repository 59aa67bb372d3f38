// Issue 8 as a merchant meets it, on the real app and its built-in sandbox: issue a key
// with an approving test card, find the customer by card last four and by a Korean name,
// open them; a card that fails at issuance shows its reason; an invalid card number shows
// the inline error and nothing reaches the sandbox (its request log proves it).
import { browser, $, $$, expect } from "@wdio/globals";
import { choose, click, expectTitle, shot, type } from "../lib/ui.mjs";
import { sandboxToken, sandboxUrl } from "../lib/sandbox.mjs";


async function sandboxRequests(url) {
  const res = await fetch(`${url}/__sandbox/requests`);
  expect(res.status).toBe(200);
  const body = await res.json();
  const list = Array.isArray(body) ? body : (body.requests ?? body.response);
  expect(Array.isArray(list)).toBe(true);
  return list;
}




/** Every payment the sandbox holds (the last 90 days), from its own API. */
async function sandboxPayments(url, token) {
  const res = await fetch(`${url}/payments/status/all?limit=1000`, { headers: { Authorization: token } });
  const body = await res.json();
  expect(body.code).toBe(0);
  return body.response.list;
}

async function openIssueForm() {
  await $('[data-testid="nav-customers"]').click();
  await $('[data-testid="open-issue-key"]').click();
  await $('[data-testid="issue-card-number"]').waitForDisplayed({ timeout: 20000 });
}

async function fillCard({ number, name }) {
  await type("issue-card-number", number);
  await choose("issue-expiry-month", "12");
  await choose("issue-expiry-year", String(new Date().getFullYear() + 3));
  await type("issue-birth", "900101");
  await type("issue-pwd", "12");
  if (name) await type("issue-name", name);
}

describe("customers and billing keys", () => {
  let url;
  before(async () => {
    url = await sandboxUrl();
  });

  it("refuses an invalid card number inline and sends nothing", async () => {
    await fetch(`${url}/__sandbox/requests`, { method: "DELETE" });
    await openIssueForm();
    await fillCard({ number: "4242424242424241" });
    await click('[data-testid="issue-submit"]');
    const error = await $('//*[contains(text(),"올바른 카드번호가 아닙니다")]');
    await error.waitForDisplayed();
    await shot("issue-invalid-ko");
    // What was typed stays, so the typo can be corrected.
    expect(await $('[data-testid="issue-card-number"]').getValue()).toBe("4242-4242-4242-4241");
    const log = await sandboxRequests(url);
    // The form itself asked for the account's channels, so the log is live...
    expect(log.some((r) => r.path === "/users/pg")).toBe(true);
    // ...and no key issuance reached the sandbox.
    expect(log.filter((r) => r.path.startsWith("/subscribe/customers/")).length).toBe(0);
  });

  it("issues a key with an approving test card and shows it as PortOne returned it", async () => {
    await openIssueForm();
    await fillCard({ number: "4242424242424242", name: "김민준" });
    await click('[data-testid="issue-submit"]');
    const done = await $('[data-testid="issue-success"]');
    await done.waitForDisplayed({ timeout: 30000 });
    const key = await $('[data-testid="issued-key"]').getText();
    expect(key).toContain("4242");
    expect(key).not.toContain("4242-4242-4242-4242");
    // The card has left the form's state: issuing another starts empty.
    await shot("issue-success-ko");
  });

  it("finds the customer by card last four and by a Korean name, and opens them", async () => {
    await $('[data-testid="nav-customers"]').click();
    for (const query of ["4242", "민준", "ㄱㅁㅈ"]) {
      const box = await $('[data-testid="customer-search"]');
      await box.click();
      await box.clearValue();
      await box.setValue(query);
      await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length === 1, {
        timeoutMsg: `search ${query} did not find exactly one customer`,
      });
    }
    await shot("customers-ko");
    await click('[data-testid="customer-row"]');
    // The page re-renders when PortOne's latest arrives, so the title is looked up afresh.
    await expectTitle("김민준");
    await expect($('[data-testid="key-card"]')).toHaveText(expect.stringContaining("nice"));
    await shot("customer-detail-ko");
  });

  it("charges the key and shows the payment", async () => {
    await click('[data-testid="charge-now"]');
    await type("charge-amount", "12000");
    await type("charge-name", "11월 구독료");
    await click('[data-testid="charge-submit"]');
    const paid = await $('[data-testid="charge-paid"]');
    await paid.waitForDisplayed({ timeout: 30000 });
    expect(await paid.getProperty("textContent")).toContain("₩12,000");
    await shot("charge-paid-ko");
    await click(await $("//button[normalize-space()='닫기']"));
    await browser.waitUntil(async () => (await $$('[data-testid="customer-payment"]')).length === 1, {
      timeoutMsg: "the payment did not appear on the customer",
    });
    const log = await sandboxRequests(url);
    expect(log.filter((r) => r.path === "/subscribe/payments/again").length).toBe(1);
  });

  it("retries a charge whose answer was lost as the same order, and it is paid once", async () => {
    const before = (await sandboxRequests(url)).filter((r) => r.method === "POST" && r.path === "/subscribe/payments/again").length;
    // i'mport charges, the answer is lost, and the look-up right after fails too.
    for (const rule of [
      { kind: "commit_then_drop", method: "POST", path_prefix: "/subscribe/payments/again", count: 1 },
      { kind: "status", status: 500, method: "GET", path_prefix: "/payments/findAll", count: 3 },
    ]) {
      const res = await fetch(`${url}/__sandbox/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
      expect(res.status).toBe(200);
    }
    await click('[data-testid="charge-now"]');
    await type("charge-amount", "7000");
    await type("charge-name", "추가 결제");
    await click('[data-testid="charge-submit"]');
    await $('[data-testid="charge-unknown"]').waitForDisplayed({ timeout: 30000 });
    await shot("charge-unknown-ko");
    // What a person does: check (or press again). The same order is looked up and shown.
    await click('[data-testid="charge-check-now"]');
    const paid = await $('[data-testid="charge-paid"]');
    await paid.waitForDisplayed({ timeout: 30000 });
    expect(await paid.getProperty("textContent")).toContain("₩7,000");
    await shot("charge-replayed-ko");
    await click(await $("//button[normalize-space()='닫기']"));
    await fetch(`${url}/__sandbox/faults`, { method: "DELETE" });
    const posts = (await sandboxRequests(url)).filter((r) => r.method === "POST" && r.path === "/subscribe/payments/again");
    expect(posts.length - before).toBe(1);
    await browser.waitUntil(async () => (await $$('[data-testid="customer-payment"]')).length === 2, {
      timeoutMsg: "the customer should have exactly two payments",
    });
  });

  it("shows the decline reason of a declining test card", async () => {
    await openIssueForm();
    await fillCard({ number: "9410000000000013", name: "이서연" });
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
    await click('[data-testid="open-issued"]');
    await click('[data-testid="charge-now"]');
    await type("charge-amount", "9900");
    await type("charge-name", "월 구독");
    await click('[data-testid="charge-submit"]');
    const declined = await $('[data-testid="charge-declined"]');
    await declined.waitForDisplayed({ timeout: 30000 });
    expect(await declined.getProperty("textContent")).toContain("잔액부족");
    await shot("charge-declined-ko");
    await click(await $("//button[normalize-space()='닫기']"));
  });

  it("refunds part of a payment from the payments list", async () => {
    await click('[data-testid="nav-payments"]');
    await browser.waitUntil(async () => (await $$('[data-testid="payment-row"]')).length >= 2);
    const paidRow = await $("//div[@data-testid='payment-row'][.//*[contains(text(),'₩12,000')]]");
    await click(paidRow);
    await $('[data-testid="refund-form"]').waitForDisplayed();
    await click(await $("//label[normalize-space()='부분 환불']"));
    await type("refund-amount", "2000");
    await type("refund-reason", "부분 환불 테스트");
    await click('[data-testid="refund-submit"]');
    const result = await $('[data-testid="refund-result"]');
    await result.waitForDisplayed({ timeout: 30000 });
    expect(await result.getProperty("textContent")).toContain("₩10,000");
    await shot("refund-ko");
    const log = await sandboxRequests(url);
    const cancels = log.filter((r) => r.path === "/payments/cancel");
    expect(cancels.length).toBe(1);
    // The refund carried the balance it expected, so a replay could not refund twice.
    expect(cancels[0].body).toContain('"checksum":12000');
    await browser.keys("Escape");
    await $('[data-testid="refund-form"]').waitForDisplayed({ reverse: true });
  });

  it("refunds a tax-free payment in part and then the rest, from the customer page", async () => {
    await browser.setWindowSize(1024, 700);
    // The customer column links to the customer.
    const link = await $("//div[@data-testid='payment-row'][.//*[contains(text(),'₩12,000')]]//*[@data-testid='payment-customer-link']");
    await click(link);
    await expectTitle("김민준");
    await click('[data-testid="charge-now"]');
    await type("charge-amount", "10000");
    await type("charge-tax-free", "10000");
    await type("charge-name", "도서");
    await click('[data-testid="charge-submit"]');
    await $('[data-testid="charge-paid"]').waitForDisplayed({ timeout: 30000 });
    await click(await $("//button[normalize-space()='닫기']"));
    const row = "//tr[@data-testid='customer-payment'][.//*[contains(text(),'₩10,000')]]";
    await click(await $(`${row}//*[@data-testid='customer-payment-open']`));
    await $('[data-testid="refund-form"]').waitForDisplayed();
    await click(await $("//label[normalize-space()='부분 환불']"));
    await type("refund-amount", "4000");
    // The tax-free part comes from i'mport's balance: all of it, for a wholly tax-free payment.
    await browser.waitUntil(async () => (await $('[data-testid="refund-tax-free"]').getValue()) === "4000", {
      timeoutMsg: "the tax-free part was not prefilled from the balance",
    });
    await type("refund-reason", "일부 반품");
    await shot("refund-tax-free-ko");
    await click('[data-testid="refund-submit"]');
    const result = await $('[data-testid="refund-result"]');
    await result.waitForDisplayed({ timeout: 30000 });
    expect(await result.getProperty("textContent")).toContain("₩6,000");
    // Nothing armed after a refund: the form is gone until asked for again.
    expect(await $('[data-testid="refund-submit"]').isExisting()).toBe(false);
    await shot("refund-partial-result-ko");
    await click('[data-testid="refund-again"]');
    await click(await $("//label[normalize-space()='전액 환불']"));
    await type("refund-reason", "나머지 반품");
    await click('[data-testid="refund-submit"]');
    await browser.waitUntil(async () => (await $('[data-testid="refund-result"]').getProperty("textContent")).includes("₩6,000 환불"), {
      timeoutMsg: "the rest was not refunded",
    });
    // The sandbox's own balance: nothing left, tax-free included.
    const token = await sandboxToken(url);
    const list = await sandboxPayments(url, token);
    const tf = list.find((p) => p.amount === 10000 && p.name === "도서");
    expect(tf.status).toBe("cancelled");
    const balance = await (await fetch(`${url}/payments/${tf.imp_uid}/balance`, { headers: { Authorization: token } })).json();
    expect(balance.response.amount).toBe(0);
    expect(balance.response.primary.tax_free).toBe(0);
    await browser.keys("Escape");
    await $('[data-testid="refund-form"]').waitForDisplayed({ reverse: true });
    // The customer page shows what was refunded, and the refunds are in its activity.
    await browser.waitUntil(async () => (await $(`${row}//*[@data-testid='customer-payment-refunded']`).getText()) === "₩10,000");
    await shot("customer-refunded-ko");
    await click(await $("//button[@role='tab'][normalize-space()='작업 기록']"));
    await browser.waitUntil(async () => (await $$("//td[contains(text(),'환불')]")).length >= 2, { timeoutMsg: "the refunds are not in the customer's activity" });
  });

  it("totals a preset period exactly as the sandbox's own payments add up", async () => {
    const token = await sandboxToken(url);
    const list = await sandboxPayments(url, token);
    // This month in Seoul (UTC+9 all year), worked out here, not by the app.
    const seoul = new Date(Date.now() + 9 * 3600e3);
    const from = Date.UTC(seoul.getUTCFullYear(), seoul.getUTCMonth(), 1) / 1000 - 9 * 3600;
    const to = Date.UTC(seoul.getUTCFullYear(), seoul.getUTCMonth() + 1, 1) / 1000 - 9 * 3600 - 1;
    const inMonth = list.filter((p) => p.paid_at >= from && p.paid_at <= to);
    const paid = inMonth.filter((p) => p.status === "paid" || p.status === "cancelled");
    const sum = (f) => paid.reduce((a, p) => a + f(p), 0);
    const amount = sum((p) => p.amount);
    const refunded = sum((p) => p.cancel_amount);
    expect(inMonth.length).toBeGreaterThanOrEqual(3);
    expect(refunded).toBeGreaterThan(0);
    const won = (n) => `₩${n.toLocaleString("en-US")}`;
    await click('[data-testid="nav-payments"]');
    await choose("filter-period", "이번 달");
    await browser.waitUntil(async () => (await $('[data-testid="totals-count"]').getText()) === `${inMonth.length}건`, {
      timeoutMsg: `expected ${inMonth.length}건`,
    });
    expect(await $('[data-testid="totals-amount"]').getText()).toBe(`결제 ${won(amount)}`);
    expect(await $('[data-testid="totals-refunded"]').getText()).toBe(`환불 ${won(refunded)}`);
    expect(await $('[data-testid="totals-net"]').getText()).toBe(`순매출 ${won(amount - refunded)}`);
    // The days of the period are shown, Korean style.
    expect(await $('[data-testid="filter-first-day"]').getValue()).toBe(`${seoul.getUTCFullYear()}. ${String(seoul.getUTCMonth() + 1).padStart(2, "0")}. 01.`);
    await shot("payments-this-month-ko");
    await browser.setWindowSize(1280, 800);
  });

  it("shows the shell's pages with data in screenshots", async () => {
    await click('[data-testid="nav-charges"]');
    await browser.waitUntil(async () => (await $$('[data-testid="journal-row"]')).length >= 3);
    await shot("charges-ko");
    await click('[data-testid="nav-dashboard"]');
    await $('[data-testid="overview"]').waitForDisplayed();
    await shot("dashboard-data-ko");
  });

  it("shows the charges in the audit log in Korean, and the chain verifies", async () => {
    await click('[data-testid="nav-audit"]');
    await browser.waitUntil(async () => (await $$('[data-testid="audit-row"][data-action="charge.again"]')).length > 0, {
      timeoutMsg: "no charge in the audit log",
    });
    const row = await $('[data-testid="audit-row"][data-action="charge.again"]').getText();
    expect(row).toContain("빌링키로 결제");
    expect(row).not.toContain("charge.again");
    await click('[data-testid="audit-verify"]');
    const verdict = await $('[data-testid="audit-verdict"]');
    await verdict.waitForDisplayed();
    // textContent: WebKit's driver reads an alert's rendered text as empty while it animates in.
    await browser.waitUntil(async () => /기록 [\d,]+건이 모두 온전합니다/.test(String(await verdict.getProperty("textContent"))), {
      timeoutMsg: "the chain was not reported intact",
    });
    await shot("audit-ko");
  });

  it("issues a key together with a first charge", async () => {
    await openIssueForm();
    await fillCard({ number: "4242424242424242", name: "박지훈" });
    // A Mantine switch hides its checkbox under the drawn track; click it as the track would.
    await browser.execute((el) => el.click(), await $('[data-testid="issue-with-charge"]'));
    await type("issue-charge-amount", "5000");
    await type("issue-charge-name", "첫 달 구독료");
    await click('[data-testid="issue-submit"]');
    const done = await $('[data-testid="issue-success"]');
    await done.waitForDisplayed({ timeout: 30000 });
    expect(await done.getProperty("textContent")).toContain("₩5,000");
    const log = await sandboxRequests(url);
    const onetime = log.filter((r) => r.path === "/subscribe/payments/onetime");
    expect(onetime.length).toBe(1);
    expect(onetime[0].body).toContain('"customer_uid"');
  });

  it("shows the reason when a card fails at issuance", async () => {
    await openIssueForm();
    await fillCard({ number: "9410000000000054" });
    await click('[data-testid="issue-submit"]');
    const failure = await $('[data-testid="issue-failure"]');
    await failure.waitForDisplayed({ timeout: 30000 });
    const text = await failure.getProperty("textContent");
    // The translated refusal, with the card company's own words after it.
    expect(text).toContain("i'mport가 요청을 거절했습니다");
    expect(text).toContain("카드정보 인증");
    await shot("issue-failed-ko");
  });
  it("sorts the customer list by a column, remembers it, and goes back to newest first", async () => {
    const names = async () => {
      const rows = await $$('[data-testid="customer-row"]');
      const out = [];
      // The first cell is the row's selection box (subscribe many); the name comes next.
      for (const row of rows) out.push(await (await row.$$('[role="cell"]'))[1].getProperty("textContent"));
      return out.join(",");
    };
    const expectNames = async (want) => {
      let seen = "";
      await browser
        .waitUntil(async () => (seen = await names()) === want)
        .catch(() => {
          throw new Error(`expected ${want}, the list shows ${seen}`);
        });
    };
    await click('[data-testid="nav-customers"]');
    // Newest first: the three keys issued above.
    await expectNames("박지훈,이서연,김민준");
    const header = '[data-testid="customer-sort-name"]';
    await click(header);
    await expectNames("김민준,박지훈,이서연");
    expect(await $(header).parentElement().getAttribute("aria-sort")).toBe("ascending");
    await click(header);
    await expectNames("이서연,박지훈,김민준");
    await shot("customers-sorted-ko");
    // The order survives leaving the page.
    await click('[data-testid="nav-dashboard"]');
    await click('[data-testid="nav-customers"]');
    await expectNames("이서연,박지훈,김민준");
    expect(await $(header).parentElement().getAttribute("aria-sort")).toBe("descending");
    // A search keeps the chosen order over every match.
    const box = await $('[data-testid="customer-search"]');
    await box.click();
    await box.setValue("4242");
    await expectNames("박지훈,김민준");
    // Emptied as a user would, so that the page hears it.
    await box.click();
    await browser.keys(["Control", "a"]);
    await browser.keys("Backspace");
    await expectNames("이서연,박지훈,김민준");
    await click(header);
    await expectNames("박지훈,이서연,김민준");
    expect(await $(header).parentElement().getAttribute("aria-sort")).toBe("none");
  });

  it("moves the sandbox clock a day forward from the dashboard", async () => {
    const before = (await (await fetch(`${url}/__sandbox/clock`)).json()).response.now;
    await click('[data-testid="nav-dashboard"]');
    await click('[data-testid="sandbox-clock-day"]');
    await browser.waitUntil(async () => /실제보다 1일 앞섬/.test(String(await $('[data-testid="sandbox-clock-now"]').getProperty("textContent"))), {
      timeoutMsg: "the clock did not move a day",
    });
    const after = (await (await fetch(`${url}/__sandbox/clock`)).json()).response.now;
    expect(after - before).toBeGreaterThanOrEqual(86400);
    expect(after - before).toBeLessThan(86400 + 600);
    await shot("sandbox-clock-ko");
  });
});
