// Small helpers the specs share: clicking as a user would, typing, choosing from a select.
import { browser, $ } from "@wdio/globals";
import path from "node:path";

/**
 * Clicks an element after centring it (the status bar is fixed over the page's bottom
 * edge). A toast that happens to cover it closes by itself within seconds, so a covered
 * click is tried again for a while, as a user would wait for it.
 */
export async function click(selector) {
  const el = typeof selector === "string" ? await $(selector) : selector;
  await el.waitForDisplayed();
  for (let attempt = 0; ; attempt++) {
    await browser.execute((node) => node.scrollIntoView({ block: "center" }), el);
    try {
      await el.click();
      return;
    } catch (e) {
      if (attempt >= 8 || !String(e).includes("intercepted")) throw e;
      await browser.pause(750);
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
  await click(await $(`//div[@role="option"][normalize-space()="${option}"]`));
}

export async function shot(name) {
  await browser.saveScreenshot(path.join(process.env.E2E_ARTIFACTS ?? ".", `${name}.png`));
}
