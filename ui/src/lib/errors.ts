import type { TFunction } from "i18next";
import { BASE_URL_RULES, ERROR_CODES, type ErrorCode, type IpcError } from "../bindings";

export type BaseUrlRule = (typeof BASE_URL_RULES)[number];

/** An error as the UI shows it: Rust's shape, with `unknown` for whatever is not one of Rust's codes. */
export type ShownError = Omit<IpcError, "code"> & { code: ErrorCode | "unknown" };

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** Whatever a command threw, as the one error shape Rust sends. */
export function toIpcError(e: unknown): ShownError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const { code, message, details } = e as { code: unknown; message: unknown; details?: unknown };
    if (typeof code === "string" && typeof message === "string") {
      // A code this build has no text for still shows Rust's (English) message.
      return { code: isErrorCode(code) ? code : "unknown", message, details: (details ?? null) as IpcError["details"] };
    }
  }
  return { code: "unknown", message: e instanceof Error ? e.message : String(e), details: null };
}

/** The rule an API address broke (`details.rule` of `invalid_base_url`), if it is one Rust names. */
export function baseUrlRule(err: ShownError): BaseUrlRule | null {
  const details = err.details as { rule?: unknown } | null;
  const rule = details?.rule;
  return err.code === "invalid_base_url" && typeof rule === "string" && (BASE_URL_RULES as readonly string[]).includes(rule) ? (rule as BaseUrlRule) : null;
}

/** The user's-language text for an error: the translation of its code (every code has one). */
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

/**
 * The details worth showing beside an error's text: what a person looks up next (the
 * order, the journal row, i'mport's own code, the file). `field` is shown on the field
 * itself, `rule` is already in the text, `latest_backup` has its own button.
 */
export const SHOWN_DETAILS = ["merchant_uid", "journal_id", "api_code", "path"] as const;
export type ShownDetail = (typeof SHOWN_DETAILS)[number];

export function errorDetails(err: ShownError): { key: ShownDetail; value: string }[] {
  const details = err.details;
  if (!details || typeof details !== "object" || Array.isArray(details)) return [];
  return SHOWN_DETAILS.flatMap((key) => {
    const value = details[key];
    return typeof value === "string" || typeof value === "number" ? [{ key, value: String(value) }] : [];
  });
}
