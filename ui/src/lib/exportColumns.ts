import type { ExportColumn, TimeField } from "../bindings";

/**
 * A list's columns as the screen shows them, turned into the export's: each screen column's
 * id in Rust's catalogue (`crates/desk/src/exports.rs`) with the label the screen shows, in
 * the screen's order, then `extras` (ids the screen does not show, labelled by Rust in the
 * same language). A screen column without an id is left out.
 */
export function exportColumns(screen: { key: string; header: string }[], ids: Record<string, string>, extras: readonly string[] = []): ExportColumn[] {
  const shown: ExportColumn[] = screen.flatMap((c) => {
    const id = ids[c.key];
    return id ? [{ id, header: c.header }] : [];
  });
  const taken = new Set(shown.map((c) => c.id));
  return [...shown, ...extras.filter((id) => !taken.has(id)).map((id) => ({ id, header: null }))];
}

/** The export id of the time the payments list shows (its time basis). */
export const PAYMENT_TIME_EXPORT_IDS: Record<TimeField, string> = { event: "event_at", paid: "paid_at", cancelled: "cancelled_at", failed: "failed_at" };

/** The payments page's columns by their export ids (the time column: see `paymentExportIds`). */
export const PAYMENT_EXPORT_IDS: Record<string, string> = {
  time: "event_at",
  buyer: "buyer_name",
  name: "name",
  amount: "amount",
  cancelled: "cancel_amount",
  status: "status",
  pg: "pg_provider",
  customer: "customer_uid",
};

/** The payments page's export ids with its time column following the time basis shown. */
export function paymentExportIds(timeField: TimeField): Record<string, string> {
  return { ...PAYMENT_EXPORT_IDS, time: PAYMENT_TIME_EXPORT_IDS[timeField] };
}

/** What a clerk needs in the file beyond the screen: the payment drawer's ids and times. */
export const PAYMENT_EXPORT_EXTRAS = ["net", "imp_uid", "merchant_uid", "apply_num", "card_name", "card_number", "paid_at", "cancelled_at", "failed_at", "fail_reason", "cancel_reason"] as const;

/** The customer list's columns (its column chooser's keys) by their export ids. */
export const CUSTOMER_EXPORT_IDS: Record<string, string> = {
  customer_uid: "customer_uid",
  name: "name",
  tel: "tel",
  email: "email",
  card: "card",
  pg: "pg",
  status: "status",
  issued: "issued",
  verified: "verified",
  tags: "tags",
};

/** The schedules page's columns by their export ids. */
export const SCHEDULE_EXPORT_IDS: Record<string, string> = {
  at: "schedule_at",
  customer: "customer_uid",
  name: "name",
  amount: "amount",
  status: "status",
  state: "status",
  result: "result",
  reason: "fail_reason",
};

export const SCHEDULE_EXPORT_EXTRAS = ["fail_reason", "merchant_uid", "imp_uid"] as const;
