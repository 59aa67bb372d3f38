// The built-in sandbox as a spec reaches it: its address from the dashboard, and its own
// public API (with its fixed test keys) for what a PG's console would do behind the app.
import { $ } from "@wdio/globals";
import { click } from "./ui.mjs";

export async function sandboxUrl() {
  await click('[data-testid="nav-dashboard"]');
  const el = await $('[data-testid="api-address"]');
  await el.waitForDisplayed({ timeout: 30000 });
  return el.getText();
}

/** A token of the sandbox's own i'mport API (its keys are public on purpose). */
export async function sandboxToken(url) {
  const res = await fetch(`${url}/users/getToken`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ imp_key: "sandbox_imp_key", imp_secret: "sandbox_imp_secret" }),
  });
  return (await res.json()).response.access_token;
}

/** `path` of the sandbox's API with a fresh token; the envelope's `response`. */
export async function atSandbox(url, path, init = {}) {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", Authorization: await sandboxToken(url), ...(init.headers ?? {}) },
  });
  const body = await res.json();
  if (body.code !== 0) throw new Error(`${path}: ${body.message}`);
  return body.response;
}
