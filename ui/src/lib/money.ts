/** VAT as i'mport derives it when none is sent: a tenth of the taxable part, rounded. */
export function vatOf(amount: number, taxFree: number): number {
  const taxable = Math.max(0, amount - taxFree);
  return Math.floor((taxable + 5) / 11);
}

/** Whole won typed with or without grouping; null when it is not a whole number. */
export function parseWon(raw: string): number | null {
  const digits = raw.replace(/[,\s₩원]/g, "");
  if (!/^\d+$/.test(digits)) return null;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : null;
}
