// The app's processes, seen through /proc. Subdesk is single-instance: a launch while an
// earlier one is still exiting hands over to it and quits, so a new WebDriver session
// waits until the previous app has gone.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** The session-bus name the single-instance plugin holds while an app runs. */
const INSTANCE_NAME = "kr.subdesk.app.SingleInstance";

/** Someone holds the single-instance name (the bus may lag a process's exit a little). */
function instanceNameOwned() {
  try {
    const out = execFileSync(
      "dbus-send",
      ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", `string:${INSTANCE_NAME}`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    return /boolean true/.test(out);
  } catch {
    return false;
  }
}

/** Pids of running processes whose executable is `app`. */
export function appPids(app) {
  const pids = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const exe = fs.readlinkSync(`/proc/${name}/exe`);
      // A binary rebuilt while it runs reads as "<path> (deleted)".
      if (exe === app || exe === `${app} (deleted)`) pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/**
 * Waits (up to `ms`) until no process runs `app` and the bus has let go of its instance
 * name; says whether it got there.
 */
export async function waitUntilAppExited(app, ms = 20000) {
  const end = Date.now() + ms;
  while (appPids(app).length > 0 || instanceNameOwned()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

/**
 * Waits for the app of an ended WebDriver session to exit. WebKitWebDriver stops the
 * browser it started when the session ends, but on a loaded machine it sometimes lets go
 * of it without stopping it (the app is found idle in its event loop): then the app gets
 * SIGTERM, as a logout would send it. Returns null when it is gone, or what it was doing
 * when even that did not end it — the app's own failure to exit.
 */
export async function waitForSessionApp(app) {
  if (await waitUntilAppExited(app)) return null;
  const stuck = appPids(app).map(describeProcess).join("\n");
  console.warn(`WebKitWebDriver left the app running after its session; ending it with SIGTERM:\n${stuck}`);
  for (const pid of appPids(app)) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Gone meanwhile.
    }
  }
  if (await waitUntilAppExited(app, 10000)) return null;
  return reportAndKillLingering(app);
}

/**
 * Closes the app and starts it again on the same data folder, as a user would: the old
 * process is gone before the new one starts (otherwise it would hand over and exit).
 */
export async function restartApp(browser, app = process.env.APP) {
  await browser.deleteSession();
  const lingering = await waitForSessionApp(app);
  if (lingering) throw new Error(`Subdesk did not exit: ${lingering}`);
  // Its first deleteSession fails quietly: the session is already gone.
  await browser.reloadSession();
}

/** The pid holding the single-instance bus name, if any. */
function instanceNameOwner() {
  try {
    const out = execFileSync(
      "dbus-send",
      ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", `string:${INSTANCE_NAME}`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const m = /uint32 (\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** What a process that did not exit is doing: its state and each thread's wait channel. */
function describeProcess(pid) {
  const read = (f) => {
    try {
      return fs.readFileSync(f, "utf8").trim();
    } catch {
      return "?";
    }
  };
  const state = /State:\s*(.*)/.exec(read(`/proc/${pid}/status`))?.[1] ?? "gone";
  const cmd = read(`/proc/${pid}/cmdline`).replace(/\0/g, " ");
  let threads = [];
  try {
    threads = fs.readdirSync(`/proc/${pid}/task`).map((t) => `${read(`/proc/${pid}/task/${t}/comm`)}@${read(`/proc/${pid}/task/${t}/wchan`)}`);
  } catch {
    // Gone meanwhile.
  }
  return `pid ${pid} (${cmd}) ${state}; threads: ${threads.join(", ")}`;
}

/**
 * An app that outlived its session: says what it was doing (for the log), kills it so the
 * next spec can start, and returns the description. The caller records it as a failure.
 */
export function reportAndKillLingering(app) {
  const pids = new Set(appPids(app));
  const owner = instanceNameOwner();
  if (owner) pids.add(owner);
  const lines = [...pids].map(describeProcess);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return lines.length ? lines.join("\n") : "nothing holds the app's name any more";
}
