import type { AmountsRead, AppStatus, Customer, Dashboard, Mode, PaymentFigure, PaymentLink, ProfileView } from "../bindings";

export function customer(uid: string, name: string): Customer {
  return {
    customer_uid: uid,
    pg_provider: "nice",
    pg_id: null,
    card_name: "신한카드",
    card_number: "4512-34**-****-1111",
    card_last4: "1111",
    card_type: 0,
    customer_name: name,
    customer_tel: null,
    customer_email: null,
    customer_addr: null,
    customer_postcode: null,
    sandbox: true,
    issued_at: 1_700_000_000,
    updated_at: null,
    key_status: "active",
    last_verified_at: null,
    notes: "",
    tags: [],
    created_local_at: 1_700_000_000,
  };
}

export function profile(id: string, name: string, mode: Mode = "sandbox"): ProfileView {
  return { id, name, mode, base_url: "http://127.0.0.1:1", time_zone: "Asia/Seoul", read_only: false };
}

/** What `app_status` answers with `active` open among `profiles`. */
export function appStatus(active: ProfileView, profiles: ProfileView[] = [active]): AppStatus {
  return {
    version: "0",
    active_profile: active,
    profiles,
    sandbox_url: null,
    session_error: null,
    integrity_pending: false,
    lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } },
    reading: null,
  };
}

export const SETTINGS = { language: "ko", time_zones: ["Asia/Seoul", "UTC"] } as const;

/** An answer the test gives when it chooses: what a slow Rust side looks like. */
export function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * jsdom lays nothing out, so a virtual table draws no rows; a scroll box with a height
 * lets the virtualizer draw the rows a user would see. Returns the undo.
 */
export function giveScrollBoxesHeight(height = 800): () => void {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => height });
  return () => {
    if (original) Object.defineProperty(HTMLElement.prototype, "clientHeight", original);
  };
}

/** A payment figure as Rust's dashboard answers it, counting `link`. */
export function paymentFigure(count: number, amount: number, refunded: number, link: Partial<PaymentLink> = {}): PaymentFigure {
  return {
    count,
    amount,
    refunded,
    net: amount - refunded,
    link: { time_field: "paid", status: ["paid", "cancelled"], preset: "this_month", first_day: "2026-11-01", last_day: "2026-11-30", pg_provider: null, plan_code: null, plans_only: false, refunded_only: false, ...link },
  };
}

/** A dashboard of November 2026 with one plan, two PGs and two days. */
export function dashboardFixture(over: Partial<Dashboard> = {}): Dashboard {
  const day = (d: string, amount: number) => ({ key: d, label: d, figure: paymentFigure(1, amount, 0, { preset: null, first_day: d, last_day: d }) });
  return {
    range: { first_day: "2026-11-01", last_day: "2026-11-30", from: 1_793_458_800, to: 1_796_050_799 },
    gross: paymentFigure(42, 1_234_000, 34_000),
    refunds: paymentFigure(3, 100_000, 34_000, { refunded_only: true }),
    failed: paymentFigure(6, 0, 0, { time_field: "failed", status: ["failed"] }),
    failure_rate_bp: 1250,
    plans: { plans: 1, active_subscriptions: 5, monthly_recurring: 145_000, paid: paymentFigure(7, 203_000, 0, { plans_only: true }) },
    next_week: { count: 4, amount: 40_000, link: { states: ["scheduled"], first_day: "2026-11-25", last_day: "2026-12-01" } },
    daily: [day("2026-11-01", 10_000), day("2026-11-02", 20_000)],
    by_pg: [{ key: "nice", label: "nice", figure: paymentFigure(30, 900_000, 0, { pg_provider: "nice" }) }],
    by_plan: [{ key: "gold", label: "골드", figure: paymentFigure(7, 203_000, 0, { plan_code: "gold" }) }],
    ...over,
  };
}

/**
 * What Rust's `read_amounts` answers for the plain inputs these tests type ("12000",
 * "12,000", blank): a stand-in for the backend, not the rule (which is billing's
 * parse_amount, tested in Rust). Anything else is "not whole won".
 */
export function readAmounts(args: unknown): AmountsRead {
  const { amount, taxFree } = args as { amount: string; taxFree: string };
  const won = (s: string) => (/^[\d,]+$/.test(s.trim()) ? Number(s.replace(/,/g, "")) : null);
  const a = won(amount);
  const f = taxFree.trim() === "" ? 0 : won(taxFree);
  return { amount: a, tax_free: f, vat: a !== null && f !== null ? Math.floor((Math.max(a - f, 0) + 5) / 11) : null };
}
