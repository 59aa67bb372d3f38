// `make bench`'s webview figures (scripts/bench-webview.sh), not a test: nothing here is
// asserted beyond the bench being able to run. The real app in WebKit, its sandbox
// profile's database replaced by a store of BENCH_STORE (1,000,000 payments and 100,000
// customers made by billing's bench), measured in the page with performance.now():
//   - the first rows of each list after its navigation item is clicked;
//   - search-as-you-type: from the last key to the list that matches it;
//   - a jump to row 10,000 of the payments list (its pages are fetched on the way);
//   - the PSS of the app and its WebKit processes after every screen was visited.
// Prints `name value (goal ...)` lines.
import fs from "node:fs";
import path from "node:path";
import { browser, $ } from "@wdio/globals";
import { appPids, restartApp } from "../lib/app.mjs";

const STORE = process.env.BENCH_STORE;
const APP = process.env.APP;
// Visits of each list: the first (its screen's code loaded, its first answers asked), then
// returns to it from the dashboard, whose median is the figure.
const RUNS = 9;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function invoke(cmd, args = {}) {
  return browser.executeAsync(
    (cmd, args, done) => window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done(v), (e) => done({ error: e })),
    cmd,
    args,
  );
}

/**
 * Keeps every command's round trip (name, start, end, in performance.now() time): where a
 * figure's time goes, written beside the figures. Tauri's invoke cannot be replaced, but
 * on Linux it goes through fetch to its `ipc:` protocol, which can be watched.
 */
async function traceCalls() {
  await browser.execute(() => {
    if (window.__calls) return;
    window.__calls = [];
    window.__inFlight = 0;
    const fetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const url = String(input?.url ?? input);
      const start = performance.now();
      const answer = fetch(input, init);
      if (!url.startsWith("ipc:") && !url.includes("//ipc.localhost/")) return answer;
      const cmd = decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));
      window.__inFlight += 1;
      const done = () => {
        window.__inFlight -= 1;
        window.__calls.push([cmd, start, performance.now()]);
      };
      answer.then(done, done);
      return answer;
    };
  });
}

/**
 * Waits until the screen has settled: no command in flight and none answered in the last
 * 300 ms (its answers drawn), as a user looks at a screen before leaving it. Without it a
 * list's first rows were timed together with the dashboard still drawing the answers it
 * asked for when opened (they ended within a few ms of the click in most runs).
 */
async function settled() {
  await browser.waitUntil(
    () =>
      browser.execute(() => {
        const calls = window.__calls ?? [];
        const lastEnd = calls.length ? calls[calls.length - 1][2] : 0;
        return window.__inFlight === 0 && performance.now() - lastEnd > 300;
      }),
    { timeout: 30000, interval: 50 },
  );
}

/** The commands that ran between `from` and `to` (page time), relative to `from`. */
async function callsBetween(label, from, to) {
  const calls = await browser.execute(() => window.__calls ?? []);
  return calls
    .filter(([, start, end]) => end >= from - 500 && start <= to)
    .map(([cmd, start, end]) => `${label}: ${cmd} ${(start - from).toFixed(0)}..${(end - from).toFixed(0)} ms (${(end - start).toFixed(0)} ms)`);
}

/** Clicks a navigation item in the page and waits for the first row of `rowSelector`. */
async function timeNavigation(nav, rowSelector) {
  return browser.executeAsync(
    (nav, rowSelector, done) => {
      const start = performance.now();
      document.querySelector(`[data-testid="nav-${nav}"]`).click();
      const check = () => {
        if (document.querySelector(rowSelector)) done(performance.now() - start);
        else if (performance.now() - start > 30000) done(-1);
        else requestAnimationFrame(check);
      };
      check();
    },
    nav,
    rowSelector,
  );
}

/**
 * Types `text` into the search box key by key (WebDriver keys, as a user types), then
 * reports the time from the last key to the rows that stop changing: the list as it is
 * when the user looks at it.
 */
async function timeSearch(inputTestId, rowsTestId, text) {
  await browser.execute(
    (inputTestId, rowsTestId) => {
      const input = document.querySelector(`[data-testid="${inputTestId}"]`);
      const rows = document.querySelector(`[data-testid="${rowsTestId}"]`);
      window.__bench = { lastKey: 0, lastChange: 0, keys: [], changes: [] };
      input.addEventListener("input", () => window.__bench.keys.push((window.__bench.lastKey = performance.now())));
      new MutationObserver(() => window.__bench.changes.push((window.__bench.lastChange = performance.now()))).observe(rows, { childList: true, subtree: true, characterData: true });
    },
    inputTestId,
    rowsTestId,
  );
  const input = await $(`[data-testid="${inputTestId}"]`);
  await input.click();
  for (const ch of text) await browser.keys(ch);
  // Settled: nothing changed for a second after the last key.
  await browser.waitUntil(
    () => browser.execute(() => performance.now() - Math.max(window.__bench.lastChange, window.__bench.lastKey) > 1000),
    { timeout: 30000, interval: 100 },
  );
  const { lastKey, lastChange, keys, changes } = await browser.execute(() => window.__bench);
  const label = `${inputTestId} "${text}"`;
  const at = (ts) => ts.map((t) => (t - lastKey).toFixed(0)).join(", ");
  trace.push(`${label}: keys at ${at(keys)} ms; the rows changed at ${at(changes)} ms`);
  trace.push(...(await callsBetween(label, lastKey, lastChange)));
  return Math.max(0, lastChange - lastKey);
}

/** Where the figures' time went (the commands each one waited for). */
const trace = [];

/** Scrolls the payments list to row `index`, as a dragged scroll bar would, until it is drawn. */
async function timeJump(index) {
  const from = await browser.execute(() => performance.now());
  const ms = await browser.executeAsync((index, done) => {
    const rows = document.querySelector('[data-testid="payment-rows"]');
    const target = index * 40;
    const start = performance.now();
    window.__jump = [];
    const seen = new MutationObserver(() => window.__jump.push(performance.now() - start));
    seen.observe(rows, { childList: true, subtree: true, attributes: true });
    const check = () => {
      rows.scrollTop = target;
      const drawn = [...rows.querySelectorAll('[data-testid="payment-row"]')].some((r) => r.style.transform === `translateY(${target}px)`);
      if (drawn) {
        seen.disconnect();
        done(performance.now() - start);
      }
      else if (performance.now() - start > 120000) done(-1);
      else requestAnimationFrame(check);
    };
    check();
  }, index);
  const changes = await browser.execute(() => window.__jump.map((t) => t.toFixed(0)));
  trace.push(`jump to ${index}: the rows changed at ${[...new Set(changes)].join(", ")} ms`);
  trace.push(...(await callsBetween(`jump to ${index}`, from, from + ms + 5)));
  return ms;
}

/** PSS of the app and every process under it (WebKit's), from /proc. */
function pssMb() {
  const children = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [...appPids(APP)];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  let kib = 0;
  const parts = [];
  for (const pid of tree) {
    try {
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
      const own = field("Pss");
      // What holds it, mapping by mapping, for whoever looks into it.
      fs.writeFileSync(path.join(process.env.E2E_ARTIFACTS, `bench-smaps-${pid}.txt`), fs.readFileSync(`/proc/${pid}/smaps`, "utf8"));
      kib += own;
      // Anonymous memory (heaps, caches) apart from mapped files (the binary, libraries).
      parts.push(`${fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim()} ${(own / 1024).toFixed(0)} (anon ${(field("Pss_Anon") / 1024).toFixed(0)})`);
    } catch {
      // Gone meanwhile.
    }
  }
  return { mb: kib / 1024, parts: parts.join(", ") };
}

describe("webview at scale", () => {
  before(async () => {
    if (!STORE || !fs.existsSync(STORE)) throw new Error(`BENCH_STORE (${STORE}) is not a store file`);
    await $('[data-testid="status-bar"]').waitForDisplayed({ timeout: 30000 });
    const status = await invoke("app_status");
    const profile = status.active_profile.id;
    const db = path.join(process.env.E2E_HOME, "data", "kr.subdesk.app", "profiles", profile, "subdesk.db");
    // The app is closed while its database is replaced, and opens the big one on start.
    await browser.deleteSession();
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(db + suffix, { force: true });
    fs.copyFileSync(STORE, db);
    await restartApp(browser, APP);
    await browser.setWindowSize(1280, 800);
    await $('[data-testid="status-bar"]').waitForDisplayed({ timeout: 60000 });
    await traceCalls();
  });

  // The figures so far, one line each with its goal, written as they come (a step that
  // times out later leaves the ones before it), and where their time went.
  const figures = [];
  const record = (line) => {
    console.log(`[bench] ${line}`);
    figures.push(line);
    fs.writeFileSync(path.join(process.env.E2E_ARTIFACTS, "bench-webview.txt"), `${figures.join("\n")}\n`);
    fs.writeFileSync(path.join(process.env.E2E_ARTIFACTS, "bench-webview-calls.txt"), `${trace.join("\n")}\n`);
  };

  it("measures the lists' first rows", async () => {
    for (const [nav, row, label] of [
      ["payments", '[data-testid="payment-row"]', "payments"],
      ["customers", '[data-testid="customer-row"]', "customers"],
    ]) {
      const times = [];
      for (let i = 0; i < RUNS; i++) {
        await $('[data-testid="nav-dashboard"]').click();
        // The list has gone and the dashboard is up (looked up in the page: an element
        // found while the screens swap goes stale).
        await browser.waitUntil(() => browser.execute((row) => !document.querySelector(row) && !!document.querySelector('[data-testid="page-title"]'), row), { timeout: 30000 });
        await settled();
        const from = await browser.execute(() => performance.now());
        times.push(await timeNavigation(nav, row));
        // Where each visit's time went.
        trace.push(...(await callsBetween(`${label} first rows ${i}`, from, from + times[i])));
      }
      record(`webview.${label}_first_visit_ms ${times[0].toFixed(0)} (the screen opened for the first time; goal <= 150)`);
      record(`webview.${label}_first_rows_ms ${median(times.slice(1)).toFixed(0)} (median of ${RUNS - 1} returns: ${times.slice(1).map((t) => t.toFixed(0)).join(", ")}; goal <= 150)`);
    }
  });

  it("measures search as you type", async () => {
    await $('[data-testid="nav-customers"]').click();
    await $('[data-testid="customer-row"]').waitForExist({ timeout: 30000 });
    record(`webview.customer_search_ms ${(await timeSearch("customer-search", "customer-rows", "김민")).toFixed(0)} (last key to the list; goal <= 100)`);
    await $('[data-testid="nav-payments"]').click();
    await $('[data-testid="payment-row"]').waitForExist({ timeout: 30000 });
    record(`webview.payment_search_ms ${(await timeSearch("payment-search", "payment-rows", "박지")).toFixed(0)} (last key to the list; goal <= 100)`);
  });

  it("measures a jump down the payments list", async () => {
    // A fresh, unfiltered list for the jump.
    await $('[data-testid="nav-dashboard"]').click();
    await $('[data-testid="nav-payments"]').click();
    await $('[data-testid="payment-row"]').waitForExist({ timeout: 30000 });
    record(`webview.payments_jump_to_row_10000_ms ${(await timeJump(10000)).toFixed(0)} (goal <= 300)`);
  });

  it("measures the memory after every screen", async () => {
    const navs = await browser.execute(() => [...document.querySelectorAll('[data-testid^="nav-"]')].map((e) => e.dataset.testid));
    for (const nav of navs) {
      await $(`[data-testid="${nav}"]`).click();
      await browser.pause(1500);
    }
    await browser.pause(5000);
    const pss = pssMb();
    record(`memory.after_every_screen.pss_mb ${pss.mb.toFixed(0)} (${pss.parts} MB; 1,000,000-payment store; goal <= 400)`);
    console.log(`\n${figures.join("\n")}\n`);
  });
});
