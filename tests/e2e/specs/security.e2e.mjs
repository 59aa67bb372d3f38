// Issue 14 as an attacker with devtools meets it. The owner sets an app-lock passphrase and
// makes live and test profiles, two of them read-only; the app is locked. Then, from the
// webview, every command of the registry is invoked directly over IPC
// (window.__TAURI_INTERNALS__.invoke), naming every profile's id, on the locked live
// session and again from the never-locked sandbox: every one that changes something is
// refused, and profiles.json, lock.json, the keyring and the databases are byte for byte
// what they were. Then `subdesk-cli profile use` under the running app: the app's next
// command runs on, and is checked against, the profile the CLI chose. A restart on a
// locked live profile can still be unlocked; a second launch hands over to the first.
// Everything made here is removed at the end (the specs share one data folder).
import { browser, $, expect } from "@wdio/globals";
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { appPids, restartApp } from "../lib/app.mjs";
import { click, shot, type } from "../lib/ui.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const PASS = "e2e owner passphrase";
const DATA = path.join(process.env.E2E_HOME ?? "", "data", "kr.subdesk.app");
const APP = process.env.APP ?? path.resolve(here, "../../../target/debug/subdesk");

/** Calls a command as devtools would, past the UI: `{ ok, value }` or `{ ok: false, error }`. */
async function invoke(cmd, args = {}) {
  // Sent back as JSON text: WebDriver cannot pass every value a command rejects with.
  const text = await browser.executeAsync(
    (cmd, args, done) => {
      const send = (r) => done(JSON.stringify(r, (_k, v) => (v === undefined ? null : v)));
      window.__TAURI_INTERNALS__.invoke(cmd, args).then(
        (value) => send({ ok: true, value }),
        (error) => send({ ok: false, error: typeof error === "object" && error !== null ? error : { code: null, message: String(error) } }),
      );
    },
    cmd,
    args,
  );
  return JSON.parse(text);
}

async function must(cmd, args) {
  const r = await invoke(cmd, args);
  if (!r.ok) throw new Error(`${cmd} failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Every command the UI can call, with its argument names, from the generated bindings. */
function registry() {
  const text = fs.readFileSync(path.resolve(here, "../../../ui/src/bindings.ts"), "utf8");
  const out = [];
  for (const m of text.matchAll(/__TAURI_INVOKE<.*?>\("([a-z_]+)"(?:, \{ ([^}]*) \})?\)/g)) {
    out.push({ name: m[1], params: m[2] ? m[2].split(", ").map((p) => p.trim()) : [] });
  }
  return out;
}

/** What an attacker sends for each argument name: the most damaging value that parses. */
function attackArgs(params, id, uid) {
  const evilProfile = { name: "Pwned", mode: "live", base_url: "https://evil.example", tier: null, default_pg: null, time_zone: null, read_only: false };
  const values = {
    id,
    input: { ...evilProfile, customer_uid: uid, pg: "nice", card: { number: "4242424242424242", expiry: "2031-12", birth: "900101", pwd_2digit: "12", corporate: false }, amount: 1000, confirmed_total: 1000, imp_uid: "imp_x", reason: "pwned", customer_name: null, customer_tel: null, customer_email: null, customer_id: null, merchant_uid: null, tax_free: null, card_quota: null },
    impKey: "evil_key",
    impSecret: "evil_secret",
    passphrase: "not the passphrase",
    current: "not the passphrase",
    settings: { open_live_profile: false, move_money: false, mutate: false },
    customerUid: uid,
    customerUids: [uid],
    notes: "pwned",
    tags: ["pwned"],
    reason: "pwned",
    how: "empty",
    url: "https://github.com/attacker/phish",
    language: "ko",
    timeZone: "Asia/Seoul",
    query: {},
    text: "pwned",
    plan: { rows: [] },
    choice: "all",
    request: { payments: true, schedules: true, keys: true },
    charge: { amount: 1000, name: "pwned", confirmed_total: 1000 },
    impUid: "imp_x",
    onProgress: null,
    stage: "shell",
  };
  return Object.fromEntries(params.map((p) => [p, values[p] ?? null]));
}

function sha(file) {
  return fs.existsSync(file) ? crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex") : "absent";
}

/** The keyring's Subdesk entries (values included), hashed: any change shows. */
function keyring() {
  const out = execFileSync("secret-tool", ["search", "--all", "--unlock", "service", "subdesk"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  // One block per item; their order is the keyring's business.
  const blocks = out.split(/\n(?=\[)/).map((b) => b.trim()).sort();
  return { items: blocks.length, hash: crypto.createHash("sha256").update(blocks.join("\n")).digest("hex") };
}

/** What must not change: the files and the keyring. The sandbox server's own database is i'mport's side. */
function snapshot(profileIds) {
  const files = { "profiles.json": sha(path.join(DATA, "profiles.json")), "lock.json": sha(path.join(DATA, "lock.json")) };
  for (const id of profileIds) {
    for (const suffix of ["", "-wal"]) files[`${id}/subdesk.db${suffix}`] = sha(path.join(DATA, "profiles", id, `subdesk.db${suffix}`));
  }
  return { files, keyring: keyring() };
}

function profilesFile() {
  const file = JSON.parse(fs.readFileSync(path.join(DATA, "profiles.json"), "utf8"));
  delete file.active;
  return file;
}

function cli(args) {
  const bin = process.env.CLI ?? path.resolve(here, "../../../target/debug/subdesk-cli");
  try {
    return { code: 0, out: execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (e) {
    return { code: e.status, out: String(e.stdout ?? ""), err: String(e.stderr ?? "") };
  }
}

const status = () => must("app_status");

/** The shell re-reads its status when the page reloads (hash routing keeps the page). */
async function reloadUi() {
  await browser.execute(() => window.location.reload());
  await $('[data-testid="status-bar"]').waitForDisplayed({ timeout: 30000 });
}

/** The UI in `language` (the setting is read when the page loads). */
async function inLanguage(language) {
  await must("set_language", { language });
  await reloadUi();
}

/** Mantine's switch input is visually hidden: pressed as a user's click on it would. */
async function toggle(testid) {
  const el = await $(`[data-testid="${testid}"]`);
  await el.waitForExist();
  await browser.execute((node) => node.click(), el);
}

describe("security boundary (an attacker with devtools)", () => {
  const ids = {};
  let uid;
  let baseline;

  before(async () => {
    // The smallest window the UI is made for: nothing may be cut off at this size.
    await browser.setWindowSize(1024, 700);
    await $('[data-testid="api-address"]').waitForDisplayed({ timeout: 30000 });
    const s = await status();
    expect(s.lock.enabled).toBe(false);
    const url = s.sandbox_url;
    const creds = ["sandbox_imp_key", "sandbox_imp_secret"];
    const profile = (name, mode) => ({ name, mode, base_url: url, tier: null, default_pg: null, time_zone: null, read_only: false });
    // The owner: a passphrase first (a read-only role means nothing without one).
    await must("set_passphrase", { passphrase: PASS, current: null });
    ids.live = (await must("add_profile", { input: profile("Finance Live", "live"), impKey: creds[0], impSecret: creds[1] })).id;
    ids.owner = (await must("add_profile", { input: profile("Owner Live", "live"), impKey: creds[0], impSecret: creds[1] })).id;
    ids.test = (await must("add_profile", { input: profile("Finance Test", "test"), impKey: creds[0], impSecret: creds[1] })).id;
    // A customer with a billing key in the finance profiles' databases, so there is
    // something to change, delete or charge.
    for (const id of [ids.live, ids.test]) {
      await must("switch_profile", { id });
      const form = await must("key_form");
      uid = form.suggested_customer_uid;
      await must("issue_key", {
        input: { customer_uid: uid, pg: form.channels[0].pg, card: { number: "4242424242424242", expiry: `${new Date().getFullYear() + 2}-12`, birth: "900101", pwd_2digit: "12", corporate: false }, customer_name: "공격 대상", customer_tel: null, customer_email: null, customer_id: null },
      });
    }
    for (const [id, name, mode] of [[ids.live, "Finance Live", "live"], [ids.test, "Finance Test", "test"]]) {
      await must("update_profile", { id, input: { ...profile(name, mode), read_only: true }, passphrase: null });
    }
    // The clerk's view: the read-only live profile, and the app locked.
    await must("switch_profile", { id: ids.live });
    await must("lock_app");
    await reloadUi();
  });

  it("shows a locked live profile with a way to unlock it on the spot", async () => {
    const alert = await $('[data-testid="session-error"]');
    await alert.waitForDisplayed();
    expect(await alert.getProperty("textContent")).toContain("앱이 잠겨 있습니다");
    await $('[data-testid="unlock-passphrase"]').waitForDisplayed();
    await shot("locked-ko");
    // The language is a preference of this machine: it changes while locked too.
    await inLanguage("en");
    await browser.waitUntil(async () => (await $('[data-testid="session-error"]').getProperty("textContent")).includes("Subdesk is locked"));
    await shot("locked-en");
    await inLanguage("ko");
  });

  it("refuses every command that changes something, whatever profile it names", async () => {
    const s = await status();
    expect(s.active_profile.id).toBe(ids.live);
    expect(s.lock.locked).toBe(true);
    baseline = snapshot([ids.live, ids.owner, ids.test]);
    expect(baseline.keyring.items).toBeGreaterThanOrEqual(6);

    // What a locked app still answers: the shell's preferences and the lock screen. The
    // sandbox is never locked, so reading it (its keys' state, a test of its own
    // address) is allowed too. Switching to it is the lock screen's way out (below).
    const allowed = new Set(["app_status", "get_settings", "set_language", "list_profiles", "lock_status", "lock_app", "ui_ready"]);
    const allowedOnSandbox = new Set(["credential_status", "test_connection"]);
    const results = [];
    const commands = registry();
    expect(commands.length).toBeGreaterThan(40);
    for (const { name, params } of [...commands, { name: "drop_everything", params: [] }]) {
      const targets = params.includes("id") ? [ids.live, ids.owner, ids.test, "sandbox"] : [null];
      for (const id of targets) {
        // Switching to a profile the lock does not guard (the sandbox; a test profile
        // under the default settings) is the lock screen's way out, tested below.
        if (name === "switch_profile" && (id === "sandbox" || id === ids.test)) continue;
        const r = await invoke(name, attackArgs(params, id, uid));
        results.push({ name, id, ok: r.ok, code: r.ok ? null : r.error?.code });
      }
    }
    const wrong = results.filter(({ name, id, ok, code }) => {
      if (allowed.has(name) || (id === "sandbox" && allowedOnSandbox.has(name))) return !ok;
      if (name === "unlock_app") return code !== "wrong_passphrase";
      if (name === "open_external") return code !== "link_not_allowed";
      if (name === "drop_everything") return ok;
      // The test profile's keys and address may be read while locked (the lock guards
      // opening live profiles); reading them changes nothing.
      if (id === ids.test && allowedOnSandbox.has(name)) return false;
      return ok || !["app_locked", "read_only"].includes(code);
    });
    expect(wrong).toEqual([]);
    const refused = results.filter((r) => !r.ok).length;
    console.log(`attack on the locked read-only live session: ${commands.length} commands, ${results.length} invocations, ${refused} refused`);
    expect(refused).toBeGreaterThan(50);
    // A plugin command is not the app's to allow: the window has no opener permission.
    const opener = await invoke("plugin:opener|open_url", { url: "https://evil.example" });
    expect(opener.ok).toBe(false);

    await browser.pause(500);
    expect(snapshot([ids.live, ids.owner, ids.test])).toEqual(baseline);
  });

  it("from the never-locked sandbox, changes no other profile, its keys or the lock", async () => {
    const fileBefore = profilesFile();
    await must("switch_profile", { id: "sandbox" });
    expect((await status()).active_profile.id).toBe("sandbox");
    const evil = { name: "Finance Live", mode: "live", base_url: "https://evil.example", tier: null, default_pg: null, time_zone: null, read_only: false };
    const attempts = [];
    for (const id of [ids.live, ids.owner, ids.test]) {
      attempts.push(["update_profile", { id, input: evil, passphrase: null }]);
      attempts.push(["update_profile", { id, input: evil, passphrase: "not the passphrase" }]);
      attempts.push(["save_credentials", { id, impKey: "evil_key", impSecret: "evil_secret" }]);
      attempts.push(["remove_profile", { id }]);
    }
    attempts.push(["test_connection", { id: ids.live }], ["test_connection", { id: ids.owner }], ["credential_status", { id: ids.live }]);
    attempts.push(["add_profile", { input: { ...evil, name: "Pwned" }, impKey: null, impSecret: null }]);
    attempts.push(["set_passphrase", { passphrase: "attacker passphrase", current: null }]);
    attempts.push(["clear_passphrase", { current: "not the passphrase" }]);
    attempts.push(["set_lock_settings", { settings: { open_live_profile: false, move_money: false, mutate: false } }]);
    const wrong = [];
    for (const [name, args] of attempts) {
      const r = await invoke(name, args);
      if (r.ok || r.error?.code !== "app_locked") wrong.push({ name, args, r });
    }
    expect(wrong).toEqual([]);
    expect(profilesFile()).toEqual(fileBefore);
    const after = snapshot([ids.live, ids.owner, ids.test]);
    expect(after.keyring).toEqual(baseline.keyring);
    expect(after.files["lock.json"]).toBe(baseline.files["lock.json"]);
    for (const id of [ids.live, ids.owner, ids.test]) expect(after.files[`${id}/subdesk.db`]).toBe(baseline.files[`${id}/subdesk.db`]);
  });

  it("follows `subdesk-cli profile use` under the running app, and checks the new profile", async () => {
    await reloadUi();
    const sandboxOverview = await must("overview");
    // The CLI starts locked too: the live profile stays closed to it, the test one opens.
    const refused = cli(["profile", "use", "Finance Live"]);
    expect(refused.code).toBe(6);
    const used = cli(["profile", "use", "Finance Test"]);
    expect(used).toMatchObject({ code: 0 });

    // The app's very next command runs on the profile the CLI chose...
    const s = await status();
    expect(s.active_profile.id).toBe(ids.test);
    const overview = await must("overview");
    expect(overview.customers).toBe(1);
    expect(overview).not.toEqual(sandboxOverview);
    // ...and is checked against it: read-only.
    const notes = await invoke("set_customer_notes", { customerUid: uid, notes: "pwned" });
    expect(notes.ok).toBe(false);
    expect(notes.error.code).toBe("read_only");
    const charge = await invoke("charge_now", { input: { customer_uid: uid, amount: 1000, name: "x", tax_free: null, card_quota: null, merchant_uid: null, confirmed_total: 1000 } });
    expect(charge.ok).toBe(false);
    expect(charge.error.code).toBe("read_only");
    await reloadUi();
    await browser.waitUntil(async () => (await $('[data-testid="status-profile"]').getProperty("textContent")) === "Finance Test");
  });

  it("restarted on a locked live profile, unlocks from the lock screen", async () => {
    // The owner opens the live profile and closes the app; it starts again locked.
    await must("unlock_app", { passphrase: PASS });
    await must("switch_profile", { id: ids.live });
    await restartApp(browser, APP);
    await browser.setWindowSize(1024, 700);
    const alert = await $('[data-testid="session-error"]');
    await alert.waitForDisplayed({ timeout: 30000 });
    const s = await status();
    expect(s.active_profile.id).toBe(ids.live);
    expect(s.lock.locked).toBe(true);
    expect(s.session_error.code).toBe("app_locked");
    // A wrong passphrase says so and keeps it locked.
    await type("unlock-passphrase", "not the passphrase");
    await click('[data-testid="unlock-here"]');
    await $('[data-testid="unlock-error"]').waitForDisplayed();
    expect(await $('[data-testid="unlock-error"]').getProperty("textContent")).toContain("암호가 맞지 않습니다");
    await type("unlock-passphrase", PASS);
    await click('[data-testid="unlock-here"]');
    await alert.waitForDisplayed({ reverse: true, timeout: 20000 });
    expect((await status()).lock.locked).toBe(false);
    expect((await must("overview")).customers).toBe(1);
  });

  it("lets a second launch hand over to the window already open", async () => {
    expect(appPids(APP).length).toBe(1);
    const second = spawn(APP, [], { stdio: "ignore" });
    const code = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve("still running"), 20000);
      second.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code === "still running") second.kill();
    expect(code).toBe(0);
    // The first is still there and answering.
    expect((await status()).active_profile.id).toBe(ids.live);
  });

  it("warns about an API address that is not i'mport's, and asks the passphrase to lift read-only", async () => {
    await click('[data-testid="nav-settings"]');
    await click(`[data-testid="edit-${ids.live}"]`);
    await $('[data-testid="custom-address-warning"]').waitForDisplayed();
    expect(await $('[data-testid="custom-address-warning"]').getProperty("textContent")).toContain("i'mport가 아닌");
    // Lifting read-only asks for the passphrase; without it Rust refuses.
    await toggle("profile-read-only");
    await $('[data-testid="profile-lift-passphrase"]').waitForDisplayed();
    await shot("profile-form-ko");
    await click('[data-testid="profile-save"]');
    await $('[data-testid="profile-error"]').waitForDisplayed();
    expect(await $('[data-testid="profile-error"]').getProperty("textContent")).toContain("앱 잠금 암호가 필요합니다");
    // A plain http address elsewhere is refused, with the rule in words under the field.
    await $('[data-testid="profile-base-url"]').clearValue();
    await type("profile-base-url", "http://evil.example");
    await click('[data-testid="profile-save"]');
    await browser.waitUntil(async () => (await $('[data-testid="profile-base-url"]').getAttribute("aria-invalid")) === "true");
    await shot("profile-form-url-ko");
    await browser.keys("Escape");
    expect((await must("list_profiles")).find((e) => e.profile.id === ids.live).profile.read_only).toBe(true);

    await inLanguage("en");
    await click('[data-testid="nav-settings"]');
    await click(`[data-testid="edit-${ids.live}"]`);
    await $('[data-testid="custom-address-warning"]').waitForDisplayed();
    await toggle("profile-read-only");
    await $('[data-testid="profile-lift-passphrase"]').waitForDisplayed();
    await shot("profile-form-en");
    // With the passphrase typed, the role is lifted.
    await type("profile-lift-passphrase", PASS);
    await click('[data-testid="profile-save"]');
    await $('[data-testid="profile-save"]').waitForDisplayed({ reverse: true });
    expect((await must("list_profiles")).find((e) => e.profile.id === ids.live).profile.read_only).toBe(false);
    await $(`[data-testid="profile-${ids.live}"] [data-testid="custom-address"]`).waitForDisplayed();
    await $(`[data-testid="profile-${ids.live}"]`).scrollIntoView();
    await shot("profiles-custom-address-en");
    await inLanguage("ko");
  });

  after(async () => {
    // Leave the shared data folder as the next specs expect it: the sandbox, no lock.
    const unlocked = await invoke("unlock_app", { passphrase: PASS });
    if (!unlocked.ok && unlocked.error?.code !== "lock_not_set") throw new Error(JSON.stringify(unlocked.error));
    await must("switch_profile", { id: "sandbox" });
    for (const id of [ids.live, ids.owner, ids.test].filter(Boolean)) await invoke("remove_profile", { id });
    await must("clear_passphrase", { current: PASS });
    await reloadUi();
  });
});
