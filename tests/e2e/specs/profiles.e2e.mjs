// Issue 7 as a merchant meets it: add a test profile whose secret goes to the real
// gnome-keyring, test the connection (a wrong secret says why, the right one lists the
// channels), switch to it from the status bar; then every file the app wrote is searched
// for the secret and for a full card number that was typed into the key form: zero hits.
import { browser, $, $$, expect } from "@wdio/globals";
import fs from "node:fs";
import path from "node:path";
import { choose, click, shot, type } from "../lib/ui.mjs";

const SECRET = `e2e-secret-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
const CARD = "5555555555554444";



function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe("profiles and secrets", () => {
  let sandboxUrl;

  before(async () => {
    const el = await $('[data-testid="api-address"]');
    await el.waitForDisplayed({ timeout: 30000 });
    sandboxUrl = await el.getText();
  });

  it("adds a test profile whose secret goes to the keyring, and tests its connection", async () => {
    await click('[data-testid="nav-settings"]');
    await click('[data-testid="add-profile"]');
    await type("profile-name", "테스트 상점");
    await $('[data-testid="profile-base-url"]').clearValue();
    await type("profile-base-url", sandboxUrl);
    await type("profile-imp-key", "sandbox_imp_key");
    await type("profile-imp-secret", SECRET);
    await click('[data-testid="profile-save"]');
    const entry = await $('[data-name="테스트 상점"]');
    await entry.waitForDisplayed();
    expect(await entry.getProperty("textContent")).toContain("API 키 저장됨");

    // The secret is wrong for this server: the test says exactly that.
    await click(await entry.$(".//button[normalize-space()='연결 확인']"));
    const failed = await entry.$('[data-testid="connection-error"]');
    await failed.waitForDisplayed({ timeout: 20000 });
    expect(await failed.getProperty("textContent")).toContain("API 키를 거부했습니다");
    await shot("profiles-ko");
  });

  it("switches to the test profile from the status bar and back", async () => {
    // The menu floats over the page; scrolling the page to centre an item would move it
    // away from under the pointer, so its items are pressed where they are.
    const press = async (item) => {
      await item.waitForDisplayed();
      await browser.execute((el) => el.click(), item);
    };
    await click('[data-testid="profile-switcher"]');
    await press(await $("//*[starts-with(@data-testid,'switch-to-')][normalize-space()='테스트 상점' or .//*[normalize-space()='테스트 상점']]"));
    await browser.waitUntil(async () => (await $('[data-testid="status-profile"]').getProperty("textContent")) === "테스트 상점");
    expect(await $('[data-testid="status-bar"] [data-testid="status-mode"]').getProperty("textContent")).toBe("테스트");
    await click('[data-testid="profile-switcher"]');
    await press(await $('[data-testid="switch-to-sandbox"]'));
    await browser.waitUntil(async () => (await $('[data-testid="status-profile"]').getProperty("textContent")) !== "테스트 상점");
  });

  it("gets a profile with a damaged database going again, keeping the damaged file", async () => {
    const press = async (item) => {
      await item.waitForDisplayed();
      await browser.execute((el) => el.click(), item);
    };
    // The test profile's database, closed now that the sandbox profile is open.
    const home = process.env.E2E_HOME;
    const db = filesUnder(home).find((f) => f.endsWith(`${path.sep}subdesk.db`) && !f.includes(`${path.sep}sandbox${path.sep}`));
    expect(db).toBeTruthy();
    fs.writeFileSync(db, "this is not a database\n".repeat(400));
    await click('[data-testid="profile-switcher"]');
    await press(await $("//*[starts-with(@data-testid,'switch-to-')][normalize-space()='테스트 상점' or .//*[normalize-space()='테스트 상점']]"));
    const alert = await $('[data-testid="session-error"]');
    await alert.waitForDisplayed({ timeout: 20000 });
    expect(await alert.getProperty("textContent")).toContain("데이터베이스 파일이 손상되었습니다");
    expect(await alert.getProperty("textContent")).toContain("백업이 없습니다");
    await shot("database-damaged-ko");
    await click('[data-testid="recover-empty"]');
    await alert.waitForDisplayed({ reverse: true, timeout: 20000 });
    const dir = path.dirname(db);
    expect(fs.readdirSync(dir).some((n) => n.startsWith("subdesk.db.replaced-"))).toBe(true);
    await click('[data-testid="profile-switcher"]');
    await press(await $('[data-testid="switch-to-sandbox"]'));
    await browser.waitUntil(async () => (await $('[data-testid="status-profile"]').getProperty("textContent")) !== "테스트 상점");
  });

  it("issues a key with a full card number", async () => {
    await click('[data-testid="nav-customers"]');
    await click('[data-testid="open-issue-key"]');
    await type("issue-card-number", CARD);
    await choose("issue-expiry-month", "06");
    await choose("issue-expiry-year", String(new Date().getFullYear() + 2));
    await type("issue-birth", "880512");
    await type("issue-pwd", "34");
    await click('[data-testid="issue-submit"]');
    await $('[data-testid="issue-success"]').waitForDisplayed({ timeout: 30000 });
  });

  it("backs the database up on demand and lists the backup", async () => {
    await click('[data-testid="nav-settings"]');
    const before = (await $$('[data-testid="backup-row"]')).length;
    await click('[data-testid="backup-now"]');
    await browser.waitUntil(async () => (await $$('[data-testid="backup-row"]')).length === before + 1, {
      timeoutMsg: "the new backup is not listed",
    });
    const name = await $('[data-testid="backup-row"] td').getProperty("textContent");
    expect(name).toMatch(/manual.*\.sqlite3$/);
    // The file is where the list says, beside the sandbox profile's database, and the
    // scan below reads it too.
    const files = filesUnder(process.env.E2E_HOME);
    expect(files.some((f) => f.endsWith(`${path.sep}${name}`) && f.includes(`${path.sep}sandbox${path.sep}`))).toBe(true);
    await $('[data-testid="backups"]').scrollIntoView();
    await shot("backups-ko");
  });

  it("leaves neither the secret nor the card number in any file the app wrote", async () => {
    // Let the log writer and SQLite's WAL settle.
    await browser.pause(1500);
    const home = process.env.E2E_HOME;
    expect(home).toBeTruthy();
    const files = filesUnder(home);
    expect(files.some((f) => f.endsWith("subdesk.db"))).toBe(true);
    expect(files.some((f) => /subdesk\..*log$/.test(path.basename(f)))).toBe(true);
    const needles = [SECRET, CARD, "5555-5555-5555-4444", "880512"];
    const hits = [];
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const needle of needles) {
        if (bytes.includes(Buffer.from(needle)) || bytes.includes(Buffer.from(needle, "utf16le"))) hits.push(`${needle} in ${file}`);
      }
    }
    expect(hits).toEqual([]);
  });
});
