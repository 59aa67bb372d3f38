// Amounts and phone numbers shown as a person types them, the way they are written on
// paper in Korea: "12,000", "010-1234-5678". Presentation only: what is sent is still the
// typed text, which Rust reads (billing's parse_amount takes "12,000"; a phone keeps its
// digits), and anything that is not plainly digits is left exactly as typed so that the
// form's check can name it.

/** Whole won grouped by thousands as typed ("12000" → "12,000"). */
export function typedWon(raw: string): string {
  const digits = raw.replace(/[,\s]/g, "");
  if (!/^\d+$/.test(digits)) return raw;
  // Leading zeros are the person's to remove: grouping "007" would hide them.
  if (digits.length > 1 && digits.startsWith("0")) return raw;
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A Korean phone number hyphenated as typed: Seoul's 02, other area and mobile
 * prefixes of three digits, and the eight-digit 15xx/16xx/18xx numbers.
 */
export function typedPhone(raw: string): string {
  const digits = raw.replace(/[-\s]/g, "");
  if (!/^\d+$/.test(digits)) return raw;
  let prefix: number;
  if (digits.startsWith("02")) prefix = 2;
  else if (digits.startsWith("0")) prefix = 3;
  else if (/^1[568]/.test(digits) && digits.length <= 8) return digits.length > 4 ? `${digits.slice(0, 4)}-${digits.slice(4)}` : digits;
  else return raw;
  const head = digits.slice(0, prefix);
  const rest = digits.slice(prefix);
  if (rest.length === 0) return head;
  if (rest.length <= 3) return `${head}-${rest}`;
  if (rest.length <= 6) return `${head}-${rest.slice(0, 3)}-${rest.slice(3)}`;
  if (rest.length === 7) return `${head}-${rest.slice(0, 3)}-${rest.slice(3)}`;
  if (rest.length === 8) return `${head}-${rest.slice(0, 4)}-${rest.slice(4)}`;
  return raw;
}

/** `getInputProps` of a form field whose value is shown through `show` as it is typed. */
export function shownAs<P extends { onChange: (value: unknown) => void }>(props: P, show: (raw: string) => string): P {
  return {
    ...props,
    onChange: (e: unknown) => {
      const raw = typeof e === "string" ? e : ((e as { currentTarget?: { value?: string } } | null)?.currentTarget?.value ?? "");
      props.onChange(show(raw));
    },
  };
}
