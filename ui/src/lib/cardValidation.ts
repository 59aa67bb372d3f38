// Mirrors subdesk-billing's keys::validate_issue for instant feedback in the form. Rust
// checks again on submit and is the one that decides; the codes are the same.
import type { RestPgRule } from "../bindings";

export interface KeyFormValues {
  customer_uid: string;
  pg: string;
  card_number: string;
  expiry: string;
  birth: string;
  pwd_2digit: string;
  corporate: boolean;
  customer_name: string;
  customer_tel: string;
  customer_email: string;
  customer_id: string;
}

export type FieldErrors = Partial<Record<keyof KeyFormValues, string>>;

export function cardDigits(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, "");
  return /^\d*$/.test(digits) ? digits : null;
}

/** Groups typed digits as dddd-dddd-dddd-dddd while the user types. */
export function groupCardNumber(raw: string): string {
  const digits = raw.replace(/\D/g, "").slice(0, 16);
  return digits.replace(/(\d{4})(?=\d)/g, "$1-");
}

export function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function seoulYearMonth(now: Date): [number, number] {
  const seoul = new Date(now.getTime() + 9 * 3600 * 1000);
  return [seoul.getUTCFullYear(), seoul.getUTCMonth() + 1];
}

function validCustomerUid(uid: string): string | null {
  if (uid.length === 0) return "required";
  if (new TextEncoder().encode(uid).length > 80) return "customer_uid_too_long";
  // Printable ASCII without quotes, commas, backslashes or backticks, as Rust checks.
  if (!/^[\x21-\x7e]+$/.test(uid) || /["',\\`]/.test(uid)) return "customer_uid_charset";
  return null;
}

export function validateKeyForm(v: KeyFormValues, rules: RestPgRule[], now = new Date()): FieldErrors {
  const errors: FieldErrors = {};
  const uid = validCustomerUid(v.customer_uid);
  if (uid) errors.customer_uid = uid;

  const provider = v.pg.split(".")[0] ?? "";
  const rule = rules.find((r) => r.pg_provider === provider);
  if (!rule) errors.pg = "pg_not_rest";

  const digits = cardDigits(v.card_number);
  if (digits === null) errors.card_number = "card_number_format";
  else if (digits.length === 0) errors.card_number = "required";
  else if (digits.length !== 16) errors.card_number = "card_number_format";
  else if (!luhnOk(digits)) errors.card_number = "card_number_luhn";

  if (v.expiry === "") errors.expiry = "required";
  else {
    const m = /^(\d{4})-(\d{2})$/.exec(v.expiry);
    const year = m ? Number(m[1]) : NaN;
    const month = m ? Number(m[2]) : NaN;
    if (!m || month < 1 || month > 12) errors.expiry = "expiry_format";
    else {
      const [cy, cm] = seoulYearMonth(now);
      if (year < cy || (year === cy && month < cm)) errors.expiry = "expiry_past";
    }
  }

  const birth = v.birth.trim();
  const birthRequired = rule ? rule.birth_required : true;
  if (v.corporate) {
    if (!/^\d{10}$/.test(birth)) errors.birth = "business_number_format";
  } else if (birth === "") {
    if (birthRequired) errors.birth = "required";
  } else {
    const ok = /^\d{6}$/.test(birth) && Number(birth.slice(2, 4)) >= 1 && Number(birth.slice(2, 4)) <= 12 && Number(birth.slice(4, 6)) >= 1 && Number(birth.slice(4, 6)) <= 31;
    if (!ok) errors.birth = "birth_format";
  }

  const pwd = v.pwd_2digit.trim();
  const pwdRequired = (rule ? rule.pwd_2digit_required : true) && !v.corporate;
  if (pwd === "") {
    if (pwdRequired) errors.pwd_2digit = "required";
  } else if (!/^\d{2}$/.test(pwd)) errors.pwd_2digit = "pwd_2digit_format";

  const name = v.customer_name.trim();
  if (name === "" && rule?.customer_name_required) errors.customer_name = "required";
  if ([...name].length > 20) errors.customer_name = "too_long";
  if (v.customer_id.trim() === "" && rule?.customer_id_required) errors.customer_id = "required";
  const tel = v.customer_tel.trim();
  if (tel !== "" && ([...tel].length > 20 || !/^[\d\s+-]+$/.test(tel))) errors.customer_tel = "tel_format";
  const email = v.customer_email.trim();
  if (email !== "") {
    const at = email.indexOf("@");
    const domain = at > 0 ? email.slice(at + 1) : "";
    if (email.length > 200 || at <= 0 || !domain.includes(".") || domain.startsWith(".")) errors.customer_email = "email_format";
  }
  return errors;
}
