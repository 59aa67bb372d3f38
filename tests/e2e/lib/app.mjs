// The app's processes, seen through /proc. Subdesk is single-instance: a launch while an
// earlier one is still exiting hands over to it and quits, so a new WebDriver session
// waits until the previous app has gone.
import fs from "node:fs";

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

/** Waits (up to `ms`) until no process runs `app`; says whether it got there. */
export async function waitUntilAppExited(app, ms = 20000) {
  const end = Date.now() + ms;
  while (appPids(app).length > 0) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}
