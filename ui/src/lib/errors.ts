import type { TFunction } from "i18next";
import { BASE_URL_RULES, type IpcError } from "../bindings";

export type BaseUrlRule = (typeof BASE_URL_RULES)[number];

/** Whatever a command threw, as the one error shape Rust sends. */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const { code, message, details } = e as { code: unknown; message: unknown; details?: unknown };
    if (typeof code === "string" && typeof message === "string") {
      return { code, message, details: (details ?? null) as IpcError["details"] };
    }
  }
  return { code: "unknown", message: e instanceof Error ? e.message : String(e), details: null };
}

/** The rule an API address broke (`details.rule` of `invalid_base_url`), if it is one Rust names. */
export function baseUrlRule(err: IpcError): BaseUrlRule | null {
  const details = err.details as { rule?: unknown } | null;
  const rule = details?.rule;
  return err.code === "invalid_base_url" && typeof rule === "string" && (BASE_URL_RULES as readonly string[]).includes(rule) ? (rule as BaseUrlRule) : null;
}

/** The user's-language text for an error: the translation of its code, else its message. */
export function errorText(t: TFunction, e: unknown): string {
  const err = toIpcError(e);
  // A refused API address says which rule it broke: that is what the user can fix.
  const rule = baseUrlRule(err);
  if (rule) return t(`profiles.baseUrlRule.${rule}`);
  const key = `errors.${err.code}`;
  // Numbers a refusal names (a limit, a total) come from Rust in `details`, so a text never
  // carries its own copy of them.
  const facts = err.details && typeof err.details === "object" && !Array.isArray(err.details) ? err.details : {};
  return t(key, { ...facts, message: err.message, defaultValue: t("errors.unknown", { message: err.message }) });
}
