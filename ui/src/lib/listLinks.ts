// A list filter Rust names (a dashboard figure's `PaymentLink` / `ScheduleLink`) as the
// list's address, and back: the list opened from a figure starts with exactly the filter
// the figure counts. The filter's meaning (bounds, statuses) stays Rust's.
import type { DatePreset, PaymentLink, PaymentStatus, ScheduleLink, ScheduleState, TimeField } from "../bindings";

/** The named periods, in the order the period choosers show them (Rust's `DatePreset`). */
export const DATE_PRESETS: DatePreset[] = ["today", "yesterday", "this_week", "this_month", "last_month", "this_quarter"];

const TIME_FIELDS: TimeField[] = ["event", "paid", "cancelled", "failed"];
const PAYMENT_STATUSES: PaymentStatus[] = ["ready", "paid", "cancelled", "failed"];
const SCHEDULE_STATES: ScheduleState[] = ["scheduled", "paid", "failed", "revoked"];

export function paymentLinkPath(link: PaymentLink): string {
  const p = new URLSearchParams();
  p.set("time", link.time_field);
  if (link.status.length > 0) p.set("status", link.status.join(","));
  if (link.preset) p.set("preset", link.preset);
  else {
    p.set("first", link.first_day);
    p.set("last", link.last_day);
  }
  if (link.pg_provider) p.set("pg", link.pg_provider);
  if (link.plan_code) p.set("plan", link.plan_code);
  if (link.plans_only) p.set("plans", "1");
  if (link.refunded_only) p.set("refunded", "1");
  return `/payments?${p.toString()}`;
}

/** What the payments list starts with when opened at an address. */
export interface PaymentStart {
  timeField: TimeField | null;
  status: PaymentStatus[];
  preset: DatePreset | null;
  days: [string, string] | null;
  pg: string | null;
  planCode: string | null;
  plansOnly: boolean;
  refundedOnly: boolean;
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

export function readPaymentStart(params: URLSearchParams): PaymentStart {
  const first = params.get("first");
  const last = params.get("last");
  return {
    timeField: oneOf(params.get("time"), TIME_FIELDS),
    status: (params.get("status") ?? "").split(",").flatMap((s) => oneOf(s, PAYMENT_STATUSES) ?? []),
    preset: oneOf(params.get("preset"), DATE_PRESETS),
    days: first !== null && last !== null ? [first, last] : null,
    pg: params.get("pg"),
    planCode: params.get("plan"),
    plansOnly: params.get("plans") === "1",
    refundedOnly: params.get("refunded") === "1",
  };
}

export function scheduleLinkPath(link: ScheduleLink): string {
  const p = new URLSearchParams({ states: link.states.join(","), first: link.first_day, last: link.last_day });
  return `/schedules?${p.toString()}`;
}

export interface ScheduleStart {
  states: ScheduleState[] | null;
  first: string;
  last: string;
}

export function readScheduleStart(params: URLSearchParams): ScheduleStart {
  const states = params.get("states");
  return {
    states: states === null ? null : states.split(",").flatMap((s) => oneOf(s, SCHEDULE_STATES) ?? []),
    first: params.get("first") ?? "",
    last: params.get("last") ?? "",
  };
}
