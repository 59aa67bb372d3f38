import type { TFunction } from "i18next";
import type { Excluded, KeyStatus, RunRow } from "../../bindings";

/** The state a run is shown with: Rust's, or "interrupted" for a run a dead process left running. */
export type ShownRunState = "ready" | "running" | "paused" | "cancelled" | "completed" | "interrupted";

export function shownState(row: RunRow): ShownRunState {
  if (row.interrupted) return "interrupted";
  const s = row.summary.info.state;
  return s === "ready" || s === "running" || s === "paused" || s === "cancelled" || s === "completed" ? s : "ready";
}

export const STATE_COLORS: Record<ShownRunState, string> = {
  ready: "gray",
  running: "blue",
  paused: "yellow",
  cancelled: "gray",
  completed: "green",
  interrupted: "orange",
};

export const OUTCOME_COLORS: Record<string, string> = {
  queued: "gray",
  paid: "green",
  declined: "red",
  rejected: "red",
  unknown: "yellow",
  not_executed: "gray",
  conflict: "orange",
};

const OUTCOMES = ["queued", "paid", "declined", "rejected", "unknown", "not_executed", "conflict"] as const;

/** A line's outcome in the user's language (an outcome the app does not know shows as queued). */
export function outcomeText(t: TFunction, outcome: string | null): string {
  const o = OUTCOMES.find((x) => x === (outcome ?? "queued")) ?? "queued";
  return t(`runs.outcome.${o}`);
}

const BAD_ROW_FIELDS = ["customer_uid", "amount", "name", "csv"] as const;
const KEY_STATUSES: KeyStatus[] = ["active", "unknown", "unverified", "deleted"];

/**
 * Why a line was left out, in the user's language. Rust's detail is English for the
 * CLI's table; here only its machine part is used (the field a bad line failed on, the
 * first line of a duplicate, the key's status).
 */
export function excludedDetail(t: TFunction, e: Excluded): string {
  switch (e.reason) {
    case "bad_row": {
      if (e.detail.startsWith("too many columns")) return t("runs.badRow.columns");
      const field = BAD_ROW_FIELDS.find((f) => e.detail.startsWith(`${f}:`));
      return field ? t(`runs.badRow.${field}`) : "";
    }
    case "duplicate_customer":
      return /^\d+$/.test(e.detail) ? t("runs.duplicateOf", { line: e.detail }) : "";
    case "key_not_active": {
      const status = KEY_STATUSES.find((s) => s === e.detail);
      return status ? t("runs.keyStatus", { status: t(`customers.status.${status}`) }) : "";
    }
    default:
      return "";
  }
}
