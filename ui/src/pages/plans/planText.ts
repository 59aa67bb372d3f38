import type { TFunction } from "i18next";
import type { Interval, Subscription } from "../../bindings";

/** A plan's interval in words (day 29 and later is clamped to the month's last day by Rust). */
export function intervalText(t: TFunction, interval: Interval): string {
  if (interval.kind === "monthly") return interval.day > 28 ? t("plans.interval.monthEnd") : t("plans.interval.monthly", { day: interval.day });
  if (interval.kind === "yearly") return t("plans.interval.yearly", { month: interval.month, day: interval.day });
  return interval.days % 7 === 0 ? t("plans.interval.everyWeeks", { weeks: interval.days / 7 }) : t("plans.interval.everyDays", { days: interval.days });
}

/** What a subscription's status badge says: cancelled, paused, ending, or active. */
export function subscriptionState(s: Subscription): "cancelled" | "paused" | "ending" | "active" {
  if (s.status !== "active") return "cancelled";
  if (s.paused_at !== null) return "paused";
  if (s.cancel_at !== null) return "ending";
  return "active";
}

export const SUB_COLORS = { active: "green", paused: "yellow", ending: "orange", cancelled: "gray" } as const;

export const PERIOD_COLORS: Record<string, string> = { scheduled: "blue", paid: "green", failed: "orange", written_off: "red", revoked: "gray", checking: "yellow", conflict: "red", charging: "yellow" };
