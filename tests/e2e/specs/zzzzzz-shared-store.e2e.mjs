// Team mode's first step as Settings offers it: this computer's store copied into the
// PostgreSQL server `make test` runs on loopback (SUBDESK_TEST_POSTGRES_URL), read back
// from the server with psql, copied again with nothing new, and a server that does not
// answer told in Korean, and this computer restored from it after the confirmation. Screens
// at 1024×700 in Korean and English.
import { browser, $, $$, expect } from "@wdio/globals";
import { execFileSync } from "node:child_process";
import { choose, click, expectTitle, setLanguage, shot, type } from "../lib/ui.mjs";

const SERVER = process.env.SUBDESK_TEST_POSTGRES_URL ?? "";
const DATABASE = `e2e_shared_${process.pid}`;
const TARGET = SERVER.replace(/\/[^/]*$/, `/${DATABASE}`);
// The schedule's server: a user of its own whose password the test server asks for, so a
// copy made without it typed is one that read the keyring.
const SCHEDULED = `e2e_scheduled_${process.pid}`;
const SCHEDULED_AS_ADMIN = SERVER.replace(/\/[^/]*$/, `/${SCHEDULED}`);
// The copies into it (the audit log restored from the first server names that one's too).
const COPIES_HERE = `SELECT count(*) FROM audit_log WHERE action = 'db.copy_shared' AND inputs::text LIKE '%/${SCHEDULED}%'`;
const SCHEDULED_URL = SCHEDULED_AS_ADMIN.replace(/\/\/[^@]*@/, `//${SCHEDULED}@`);

function psql(url, sql) {
  return execFileSync("psql", [url, "-tAc", sql], { encoding: "utf8" }).trim();
}

async function textOf(selector) {
  return browser.execute((sel) => document.querySelector(sel)?.textContent ?? "", selector);
}

async function copyTo(url) {
  const input = await $('[data-testid="shared-url"]');
  await input.clearValue();
  await type("shared-url", url);
  await click('[data-testid="shared-copy"]');
}

describe("the shared store", () => {
  before(() => {
    expect(SERVER).not.toBe("");
    psql(SERVER, `CREATE DATABASE ${DATABASE}`);
  });

  it("copies the store into the server and says what each table got", async () => {
    await browser.setWindowSize(1024, 700);
    await click('[data-testid="nav-settings"]');
    await expectTitle("설정");
    await $('[data-testid="shared-store"]').waitForDisplayed();
    await copyTo(TARGET);
    await $('[data-testid="shared-done"]').waitForDisplayed({ timeout: 120000 });
    expect(await textOf('[data-testid="shared-done"]')).toContain("모든 행을 대조했습니다");
    // On the server, what the table says this computer holds: the customers, and the
    // audit log with the copy's own entry after it.
    const shown = await browser.execute(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="shared-tables"] tbody tr')].map((tr) => {
          const cells = [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "");
          return [cells[0], Number(cells[1].replace(/,/g, ""))];
        }),
      ),
    );
    expect(Number(psql(TARGET, "SELECT count(*) FROM customers"))).toBe(shown["고객"] ?? 0);
    expect(Number(psql(TARGET, "SELECT count(*) FROM audit_log"))).toBe(shown["감사 로그"] + 1);
    expect(psql(TARGET, "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")).toBe("db.copy_shared");
    await $('[data-testid="shared-store"]').scrollIntoView();
    await shot("shared-store-ko");
    await browser.setWindowSize(1920, 1080);
    await $('[data-testid="shared-store"]').scrollIntoView();
    await shot("1920x1080-shared-store-ko");
    await browser.setWindowSize(1024, 700);
  });

  it("brings nothing new the second time", async () => {
    await copyTo(TARGET);
    await browser.waitUntil(async () => (await textOf('[data-testid="shared-done"]')).includes("추가·변경 0행"), { timeout: 120000, timeoutMsg: "the second copy did not report 0 rows" });
  });

  it("tells a server that does not answer, in Korean", async () => {
    await copyTo("postgres://subdesk@127.0.0.1:9/postgres");
    await $('[data-testid="shared-error"]').waitForDisplayed({ timeout: 60000 });
    const error = await textOf('[data-testid="shared-error"]');
    expect(error).toContain("공유 저장소 서버에 연결하지 못했습니다");
    expect(error).not.toContain("shared_store");
  });

  it("restores this computer from the server after saying what it brings", async () => {
    const input = await $('[data-testid="shared-url"]');
    await input.clearValue();
    await type("shared-url", TARGET);
    await click('[data-testid="shared-restore"]');
    await $('[data-testid="shared-restore-confirm"]').waitForDisplayed({ timeout: 120000 });
    const customers = Number(psql(TARGET, "SELECT count(*) FROM customers"));
    expect(await textOf('[data-testid="shared-restore-confirm"]')).toContain(`고객 ${customers.toLocaleString("ko-KR")}명`);
    await shot("shared-store-restore-ko");
    // A desk writes to the server while the person reads the confirmation: the restore
    // puts in place what was shown, not this (the English step's copy finds it gone).
    psql(TARGET, "INSERT INTO customers (customer_uid, created_local_at, modified_local_at, sort_at) VALUES ('e2e_after_confirm', 1, 1, 1)");
    await click('[data-testid="shared-restore-confirm-button"]');
    await $('[data-testid="shared-restore-confirm"]').waitForDisplayed({ reverse: true, timeout: 120000 });
    // The profile opened again on the restored store: its customers are listed.
    await click('[data-testid="nav-customers"]');
    if (customers > 0) {
      await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length > 0, { timeout: 30000, timeoutMsg: "no customers after the restore" });
    }
    await click('[data-testid="nav-settings"]');
    await $('[data-testid="shared-store"]').waitForDisplayed();
  });

  it("remembers the server with its password in the keyring, and copies on its own", async () => {
    psql(SERVER, `CREATE ROLE ${SCHEDULED} LOGIN PASSWORD 'pw-e2e-1'`);
    psql(SERVER, `CREATE DATABASE ${SCHEDULED} OWNER ${SCHEDULED}`);
    const input = await $('[data-testid="shared-url"]');
    await input.clearValue();
    await type("shared-url", SCHEDULED_URL);
    await type("shared-password", "pw-e2e-1");
    await choose("shared-every", "6시간마다");
    await click('[data-testid="shared-save"]');
    await browser.waitUntil(async () => (await textOf('[data-testid="shared-store"]')).includes("키링에 저장됨"), { timeout: 30000, timeoutMsg: "the saved password was not told" });
    expect(await $('[data-testid="shared-password"]').getValue()).toBe("");
    // Nothing was ever copied there, so the schedule (every 3 s here) copies at once.
    await browser.waitUntil(() => psql(SCHEDULED_AS_ADMIN, COPIES_HERE) === "1", { timeout: 90000, timeoutMsg: "the scheduled copy did not reach the server" });
    expect(Number(psql(SCHEDULED_AS_ADMIN, "SELECT count(*) FROM customers"))).toBe(Number(psql(TARGET, "SELECT count(*) FROM customers WHERE customer_uid <> 'e2e_after_confirm'")));
    await browser.waitUntil(async () => !(await textOf('[data-testid="shared-last-copy"]')).includes("없음"), { timeout: 30000, timeoutMsg: "the last copy was not shown" });
    expect(await textOf('[data-testid="shared-next-due"]')).not.toContain("예약 없음");
    await $('[data-testid="shared-store"]').scrollIntoView();
    await shot("shared-store-saved-ko");
    // Once, not once per look: the next is six hours away.
    await browser.pause(7000);
    expect(psql(SCHEDULED_AS_ADMIN, COPIES_HERE)).toBe("1");
  });

  it("reads in English", async () => {
    await setLanguage("English");
    await expectTitle("Settings");
    await copyTo(TARGET);
    await $('[data-testid="shared-done"]').waitForDisplayed({ timeout: 120000 });
    expect(await textOf('[data-testid="shared-done"]')).toContain("every row compared");
    // The customer written after the confirmation was not restored here, so this copy
    // removed it from the server.
    const customersRow = await browser.execute(() => [...document.querySelectorAll('[data-testid="shared-tables"] tbody tr')].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")).find((cells) => cells[0] === "Customers"));
    expect(customersRow?.[4]).toBe("1");
    expect(psql(TARGET, "SELECT count(*) FROM customers WHERE customer_uid = 'e2e_after_confirm'")).toBe("0");
    await $('[data-testid="shared-store"]').scrollIntoView();
    await shot("shared-store-en");
    await browser.setWindowSize(1920, 1080);
    await $('[data-testid="shared-store"]').scrollIntoView();
    await shot("1920x1080-shared-store-en");
    await setLanguage("한국어");
    await browser.setWindowSize(1280, 800);
  });
});
