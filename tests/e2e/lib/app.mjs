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
 * Closes the app and starts it again on the same data folder, as a user would: the old
 * process is gone before the new one starts (otherwise it would hand over and exit).
 */
export async function restartApp(browser, app = process.env.APP) {
  await browser.deleteSession();
  if (!(await waitUntilAppExited(app))) throw new Error(`Subdesk did not exit: ${appPids(app).join(", ")}`);
  // Its first deleteSession fails quietly: the session is already gone.
  await browser.reloadSession();
}
