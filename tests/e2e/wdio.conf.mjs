// WebdriverIO drives the real Subdesk binary in WebKit through tauri-driver.
// run.sh sets APP, TAURI_DRIVER and a private HOME/XDG dirs, under Xvfb and a private D-Bus.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import { waitForSessionApp, waitUntilAppExited } from "./lib/app.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const application = process.env.APP ?? path.resolve(here, "../../target/debug/subdesk");
const tauriDriverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
let tauriDriver;
// run.sh fails the run when this file is not empty.
const lingeringLog = process.env.E2E_LINGERING ?? path.join(here, "artifacts", "lingering.txt");

export const config = {
  runner: "local",
  specs: [process.env.E2E_SPEC ?? "./specs/**/*.e2e.mjs"],
  maxInstances: 1,
  hostname: "127.0.0.1",
  port: 4444,
  capabilities: [{ maxInstances: 1, "tauri:options": { application } }],
  logLevel: process.env.E2E_LOG_LEVEL ?? "warn",
  reporters: ["spec"],
  framework: "mocha",
  // A step's limit; the webview bench (scripts/bench-webview.sh) gives its steps longer on
  // a loaded machine.
  mochaOpts: { ui: "bdd", timeout: Number(process.env.E2E_STEP_TIMEOUT_MS ?? 120000) },
  waitforTimeout: 15000,
  connectionRetryTimeout: 120000,
  connectionRetryCount: 2,

  // A failing test leaves a picture of the window behind, to see what the user would have seen.
  afterTest: async (test, _context, { passed }) => {
    if (!passed) {
      const name = `${test.parent} ${test.title}`.replace(/[^\w가-힣-]+/g, "_").slice(0, 100);
      await browser.saveScreenshot(path.join(process.env.E2E_ARTIFACTS ?? here, `FAILED-${name}.png`));
    }
  },

  // The app is single-instance: the previous spec's app must be gone before the next
  // starts, or the new one hands over to it and exits.
  // One that does not exit even on SIGTERM is a failure of the run (recorded for
  // run.sh); it is killed after its state is logged, so the specs after it still run.
  beforeSession: async () => {
    const lingering = await waitForSessionApp(application);
    if (lingering) {
      console.error(`an earlier Subdesk did not exit after its session ended:\n${lingering}`);
      fs.appendFileSync(lingeringLog, `${lingering}\n`);
      await waitUntilAppExited(application, 5000);
    }
  },

  onPrepare: () => {
    tauriDriver = spawn(tauriDriverBin, [], { stdio: [null, process.stdout, process.stderr] });
    // tauri-driver needs a moment to listen before the first session.
    return new Promise((resolve) => setTimeout(resolve, 1500));
  },
  onComplete: () => {
    tauriDriver?.kill();
  },
};
