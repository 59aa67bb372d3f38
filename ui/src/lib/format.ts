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
/** How long ago `unixSeconds` was, in words ("12분 전", "3 hours ago"). */
export function formatAge(unixSeconds: number, nowSeconds: number, lang: Lang): string {
  const ago = Math.max(0, nowSeconds - unixSeconds);
  const rtf = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: "auto" });
  if (ago < 3600) return rtf.format(-Math.floor(ago / 60), "minute");
  if (ago < 86_400) return rtf.format(-Math.floor(ago / 3600), "hour");
  return rtf.format(-Math.floor(ago / 86_400), "day");
}

export function formatDate(unixSeconds: number | null | undefined, timeZone: string, lang: Lang): string {
  if (!unixSeconds) return "—";
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(unixSeconds * 1000));
}

