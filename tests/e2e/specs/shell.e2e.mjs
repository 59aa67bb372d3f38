// The shell as a user meets it: the app opens in Korean on the built-in sandbox, every
// area can be reached, and the language switches to English and back, surviving restarts.
import fs from "node:fs";
import path from "node:path";
import { browser, $, expect } from "@wdio/globals";
import { restartApp } from "../lib/app.mjs";
import { click, shot } from "../lib/ui.mjs";

const AREAS = {
  dashboard: { ko: "대시보드", en: "Dashboard" },
  customers: { ko: "고객", en: "Customers" },
  charges: { ko: "결제 요청", en: "Charges" },
  schedules: { ko: "예약 결제", en: "Schedules" },
  payments: { ko: "결제 내역", en: "Payments" },
  pgGuide: { ko: "PG 가이드", en: "PG guide" },
  settings: { ko: "설정", en: "Settings" },
};

async function title() {
  const el = await $('[data-testid="page-title"]');
  await el.waitForDisplayed({ timeout: 30000 });
  return el.getText();
}

async function go(area, lang) {
  await $(`[data-testid="nav-${area}"]`).click();
  await browser.waitUntil(async () => (await title()) === AREAS[area][lang], {
    timeoutMsg: `${area} did not open in ${lang}`,
  });
}

async function chooseLanguage(label) {
  // Centred first: the settings page is longer than the window, and the status bar sits
  // over its bottom edge.
  const control = await $('[data-testid="language-switch"]');
  await click(await control.$(`label=${label}`));
}

/** The mode badge in the status bar, by its text content (WebKit reports styled badge text as empty). */
async function statusMode() {
  return $('[data-testid="status-bar"] [data-testid="status-mode"]').getProperty("textContent");
}


describe("Subdesk shell", () => {
  it("opens in Korean on the sandbox profile", async () => {
    expect(await title()).toBe("대시보드");
    await expect($('[data-testid="status-profile"]')).toHaveText("Sandbox");
    expect(await statusMode()).toBe("샌드박스");
    await shot("dashboard-ko");
  });

  it("has a built-in sandbox that answers the i'mport API", async () => {
    const url = await $('[data-testid="api-address"]').getText();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/users/getToken`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ imp_key: "sandbox_imp_key", imp_secret: "sandbox_imp_secret" }),
    });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.code).toBe(0);
    expect(typeof body.response.access_token).toBe("string");
  });

  it("reaches every area in Korean", async () => {
    for (const area of Object.keys(AREAS)) {
      await go(area, "ko");
      await shot(`${area}-ko`);
    }
  });

  it("switches to English and stays English after a restart", async () => {
    await go("settings", "ko");
    await chooseLanguage("English");
    await browser.waitUntil(async () => (await title()) === "Settings");
    await restartApp(browser);
    expect(await title()).toBe("Dashboard");
    expect(await statusMode()).toBe("Sandbox");
    for (const area of Object.keys(AREAS)) {
      await go(area, "en");
      await shot(`${area}-en`);
    }
  });

  it("opens as large and where it was left", async () => {
    await browser.setWindowRect(40, 30, 1100, 720);
    await browser.waitUntil(async () => (await browser.getWindowSize()).width === 1100);
    // Written a second after the last resize (WebDriver ends the app without a normal exit).
    const saved = path.join(process.env.E2E_HOME, "config", "kr.subdesk.app", ".window-state.json");
    await browser.waitUntil(() => fs.existsSync(saved) && /"width": 1100/.test(fs.readFileSync(saved, "utf8")), {
      timeoutMsg: `the window's size was not saved to ${saved}`,
    });
    await restartApp(browser);
    await title();
    const rect = await browser.getWindowRect();
    expect([rect.width, rect.height]).toEqual([1100, 720]);
    expect([rect.x, rect.y]).toEqual([40, 30]);
    // The next specs start from the default size.
    await browser.setWindowRect(0, 0, 1280, 800);
  });

  it("switches back to Korean and stays Korean after a restart", async () => {
    await go("settings", "en");
    await chooseLanguage("한국어");
    await browser.waitUntil(async () => (await title()) === "설정");
    await restartApp(browser);
    expect(await title()).toBe("대시보드");
  });
});
