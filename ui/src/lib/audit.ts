// How the audit log reads to a person: each action Rust records (AUDIT_ACTIONS) has a
// description in both languages, and an outcome is read as its kind and what follows.
import type { TFunction } from "i18next";
import { AUDIT_ACTIONS } from "../bindings";

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The groups of the action filter: the part before the first dot. */
export const AUDIT_GROUPS = [...new Set(AUDIT_ACTIONS.map((a) => a.split(".")[0]))] as readonly string[];

export function auditActionText(t: TFunction, action: string): string {
  return (AUDIT_ACTIONS as readonly string[]).includes(action) ? t(`audit.actions.${action}`) : action;
}

/** `ok`, `cancelled`, `error: <code>`, `declined: <reason>`, `unknown: <code>`, or a journal outcome. */
export function auditOutcome(t: TFunction, outcome: string): string {
  const [kind, ...rest] = outcome.split(":");
  const detail = rest.join(":").trim();
  const known = t(`audit.outcomes.${kind}`, { defaultValue: "" });
  const text = known ? (detail ? `${known} (${detail})` : known) : outcome;
  return text;
}

/** The entry's inputs as "key: value" pairs, without the JSON punctuation. */
export function auditInputs(inputs: string): { key: string; value: string }[] {
  try {
    const v: unknown = JSON.parse(inputs);
    if (!v || typeof v !== "object" || Array.isArray(v)) return [{ key: "", value: inputs }];
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null && x !== undefined && x !== "")
      .map(([key, x]) => ({ key, value: typeof x === "string" ? x : JSON.stringify(x) }));
  } catch {
    return [{ key: "", value: inputs }];
  }
}
