// The key form's values, and the grouping of card digits as they are typed. Whether the
// values are right is Rust's to say (validate_issue): the form shows its problems on the
// fields they name.

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

/** Groups typed digits as dddd-dddd-dddd-dddd while the user types. */
export function groupCardNumber(raw: string): string {
  const digits = raw.replace(/\D/g, "").slice(0, 16);
  return digits.replace(/(\d{4})(?=\d)/g, "$1-");
}
