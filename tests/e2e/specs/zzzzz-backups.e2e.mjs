// Runs last (a restore puts money on hold until the next sync): backups to a folder the
// person chooses, as Settings offers them. The folder dialog is the debug build's hook
// (SUBDESK_E2E_PICK_FOLDER, run.sh); the backup is made, found in that folder under its
// final name (no half-written file), listed with what it holds, and restored after the
// confirmation. Screens at 1024×700 in Korean and English.
import { browser, $, $$, expect } from "@wdio/globals";
import fs from "node:fs";
import { click, expectTitle, setLanguage, shot } from "../lib/ui.mjs";

const FOLDER = process.env.SUBDESK_E2E_PICK_FOLDER ?? "";

/** An element's text as the DOM has it (WebKit's driver reads some Mantine labels as empty). */
async function textOf(selector) {
  return browser.execute((sel) => document.querySelector(sel)?.textContent ?? "", selector);
}

describe("backups to a chosen folder", () => {
  it("backs up into the chosen folder and lists what the backup holds", async () => {
    expect(FOLDER).not.toBe("");
    await browser.setWindowSize(1024, 700);
    await click('[data-testid="nav-settings"]');
    await expectTitle("설정");
    await $('[data-testid="folder-backups"]').waitForDisplayed();
    await click('[data-testid="choose-backup-folder"]');
    await browser.waitUntil(async () => (await textOf('[data-testid="backup-folder"]')).includes("nas-backups"), { timeout: 20000, timeoutMsg: "the chosen folder is not shown" });

    await click('[data-testid="backup-to-folder"]');
    await browser.waitUntil(async () => (await $$('[data-testid="folder-backup-row"]')).length === 1, { timeout: 60000, timeoutMsg: "the backup is not listed" });
    // On disk under its final name only: nothing half-written is left beside it.
    const files = fs.readdirSync(FOLDER);
    expect(files.filter((f) => f.endsWith(".sqlite3"))).toHaveLength(1);
    expect(files.filter((f) => f.includes(".partial"))).toHaveLength(0);
    // The row tells what the backup holds: the earlier specs' customers are in it.
    const row = await textOf('[data-testid="folder-backup-row"]');
    expect(row).toMatch(/\d/);
    await $('[data-testid="folder-backups"]').scrollIntoView();
    await shot("backups-folder-ko");
  });

  it("restores from the folder after saying what it replaces", async () => {
    await click('[data-testid="restore-backup"]');
    await $('[data-testid="restore-confirm"]').waitForDisplayed();
    expect(await textOf('[data-testid="restore-confirm"]')).toContain("고객");
    await shot("backups-restore-confirm-ko");
    await click('[data-testid="restore-confirm-button"]');
    await $('[data-testid="restore-confirm"]').waitForDisplayed({ reverse: true, timeout: 60000 });
    // The store is open again on the restored file: its customers are listed.
    await click('[data-testid="nav-customers"]');
    await browser.waitUntil(async () => (await $$('[data-testid="customer-row"]')).length > 0, { timeout: 30000, timeoutMsg: "no customers after the restore" });
  });

  it("reads in English", async () => {
    await setLanguage("English");
    await expectTitle("Settings");
    await $('[data-testid="folder-backups"]').waitForDisplayed();
    expect(await textOf('[data-testid="folder-backups"]')).toContain("Back");
    await $('[data-testid="folder-backups"]').scrollIntoView();
    await shot("backups-folder-en");
    await setLanguage("한국어");
    await browser.setWindowSize(1280, 800);
  });
});
