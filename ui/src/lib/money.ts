/** Whole won typed with or without grouping; null when it is not a whole number. */
export function parseWon(raw: string): number | null {
  const digits = raw.replace(/[,\s₩원]/g, "");
  if (!/^\d+$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}
