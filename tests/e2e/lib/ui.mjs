// Small helpers the specs share: clicking as a user would, typing, choosing from a select.
import { browser, $, $$ } from "@wdio/globals";
import path from "node:path";

/**
 * Clicks an element after centring it (the status bar is fixed over the page's bottom
 * edge). A toast that happens to cover it closes by itself within seconds, so a covered
 * click is tried again for a while, as a user would wait for it.
 */
export async function click(selector) {
  for (let attempt = 0; ; attempt++) {
    // A selector is looked up again on every attempt: React may have replaced the node
    // it found (a list refetched, a page re-rendered), which a kept handle calls stale.
    const el = typeof selector === "string" ? await $(selector) : selector;
    try {
      await el.waitForDisplayed();
      await browser.execute((node) => node.scrollIntoView({ block: "center" }), el);
      await el.click();
      return;
    } catch (e) {
      const retry = String(e).includes("intercepted") || (typeof selector === "string" && /stale/i.test(String(e)));
      if (attempt >= 8 || !retry) throw e;
      await browser.pause(750);
    }
  }
}

/** The page title's text as the DOM has it now ("" while no title is drawn). */
export async function pageTitle() {
  return browser.execute(() => document.querySelector('[data-testid="page-title"]')?.textContent?.trim() ?? "");
}

/**
 * Waits until the page's title reads `expected`. It reads the DOM afresh each time
 * rather than through an element handle, which a re-render would make stale.
 */
export async function expectTitle(expected, timeout = 30000) {
  await browser.waitUntil(async () => (await pageTitle()) === expected, { timeout, timeoutMsg: `the page title never became "${expected}" (it is "${await pageTitle()}")` });
}

/**
 * Switches the app's language in Settings as a user would, and waits until the app has
 * taken it (the document's lang follows the saved setting), clicking again if a click
 * was lost to a re-render.
 */
export async function setLanguage(label) {
  const lang = label === "English" ? "en" : "ko";
  await click('[data-testid="nav-settings"]');
  for (let attempt = 0; ; attempt++) {
    await click(`//*[@data-testid="language-switch"]//label[normalize-space()="${label}"]`);
    try {
      await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === lang, { timeout: 10000 });
      return;
    } catch (e) {
      if (attempt >= 2) throw new Error(`the app did not switch to ${label}: ${e}`);
    }
  }
}

export async function type(testid, text) {
  const el = await $(`[data-testid="${testid}"]`);
  await click(el);
  await el.setValue(text);
}

export async function choose(testid, option) {
  await click(`[data-testid="${testid}"]`);
  // Another select on the screen may hold an option of the same name, closed: the open
  // one's is the one shown.
  const named = `//div[@role="option"][normalize-space()="${option}"]`;
  await browser.waitUntil(async () => (await $$(named).filter((o) => o.isDisplayed())).length > 0, { timeout: 15000, timeoutMsg: `no option "${option}" shown` });
  const [shown] = await $$(named).filter((o) => o.isDisplayed());
  await click(shown);
}

export async function shot(name) {
  await browser.saveScreenshot(path.join(process.env.E2E_ARTIFACTS ?? ".", `${name}.png`));
}
