import type { Lang } from "../i18n";

const LOCALES: Record<Lang, string> = { ko: "ko-KR", en: "en-US" };

/** Whole won as `₩12,000`, the way Korean merchants read amounts, in both languages. */
export function formatKrw(amount: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang], {
    style: "currency",
    currency: "KRW",
    maximumFractionDigits: 0,
  }).format(amount);
}

/**
 * A Unix time (seconds, UTC, as the API gives it) in the chosen zone. `0` and `null`
 * mean "has not happened" in the API, shown as a dash.
 */
export function formatDateTime(unixSeconds: number | null | undefined, timeZone: string, lang: Lang): string {
  if (!unixSeconds) return "—";
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(unixSeconds * 1000));
}

/** A calendar date in the chosen zone, for lists and filters. */
export function formatDate(unixSeconds: number | null | undefined, timeZone: string, lang: Lang): string {
  if (!unixSeconds) return "—";
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(unixSeconds * 1000));
}

/** The zone's offset from UTC, in minutes, at the given instant (DST included). */
export function zoneOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60000);
}

/** A date input's `YYYY-MM-DD` as Unix seconds at the start (or last second) of that day in `timeZone`. */
export function dayBound(value: string, end: boolean, timeZone: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const naive = Date.parse(`${value}T${end ? "23:59:59" : "00:00:00"}Z`);
  if (Number.isNaN(naive)) return null;
  const offset = zoneOffsetMinutes(timeZone, new Date(naive));
  return naive / 1000 - offset * 60;
}
