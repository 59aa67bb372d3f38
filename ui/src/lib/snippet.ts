// The `IMP.request_pay` call that registers a card through a PG's payment window.
// Pure: the PG guide page renders whatever this returns.
import type { PgGuideEntry } from "./pgGuide";

/** Short comment lines placed in the generated code, in the UI language. */
export interface SnippetComments {
  success: string;
  failure: string;
  /** Above m_redirect_url: where the result arrives when the page is left. */
  redirect: string;
  /** Next to amount: what the amount does at issuance for this PG. */
  amount: string;
}

export interface SnippetInput {
  /** The merchant identification code, `imp` + 8 digits. */
  impCode: string;
  /** Optional MID: when set, `pg` becomes `{code}.{MID}`. */
  mid: string;
  customerUid: string;
  merchantUid: string;
  amount: number;
  name: string;
  /** Values of the buyer fields the entry requires (see `buyerFields`). */
  buyer: Record<string, string>;
  redirectUrl: string;
  /** Naver Pay only: true = popup + callback, false = redirect to m_redirect_url. */
  naverPopupMode: boolean;
  /** Naver Pay only, optional: blocks duplicate registrations of one product. */
  naverProductCode: string;
  comments: SnippetComments;
}

/**
 * A string as a JS literal that stays safe anywhere: JSON quoting, plus `<` and the two
 * line separators escaped so the code can also sit inside an HTML `<script>` block.
 */
export function jsString(value: string): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A comment line can never end early or span lines, whatever the translation holds. */
function comment(text: string): string {
  return `// ${text.replace(/[\r\n\u2028\u2029]+/g, " ")}`;
}

/** The `pg` value: the entry's code, or `{code}.{MID}` once a MID is typed. */
export function snippetPg(entry: PgGuideEntry, mid: string): string | null {
  if (!entry.pg_param) return null;
  const m = mid.trim();
  return m ? `${entry.pg_param}.${m}` : entry.pg_param;
}

/**
 * The pay_method to send, or null when the guide says the PG ignores it (PAYCO, Kakao Pay)
 * or the sample does not set one (Naver Pay). Only plain values (`card`, `phone`, `trans`)
 * are sent; the data's longer texts describe an ignored value.
 */
export function snippetPayMethod(entry: PgGuideEntry): string | null {
  return entry.pay_method && /^[a-z]+$/.test(entry.pay_method) ? entry.pay_method : null;
}

/** Whether the PG charges a positive amount at issuance no matter what (phone billing). */
export function amountRequired(entry: PgGuideEntry): boolean {
  return entry.issue_amount_behaviour === "must_charge" || entry.issue_amount_behaviour === "key_plus_charge_only";
}

/** The amount the generator starts with: 0 where a key can be issued without charging. */
export function defaultAmount(entry: PgGuideEntry): number {
  return amountRequired(entry) ? 1000 : 0;
}

/** Whether the result can arrive by redirect, so the call needs m_redirect_url. */
export function needsRedirect(entry: PgGuideEntry, naverPopupMode: boolean): boolean {
  if (entry.conditional_fields.some((c) => c.field === "naverPopupMode")) return !naverPopupMode;
  if (entry.required_fields.includes("m_redirect_url")) return true;
  if (entry.conditional_fields.some((c) => c.field === "m_redirect_url")) return true;
  return /redirect/.test(entry.result_delivery.pc) || /redirect/.test(entry.result_delivery.mobile);
}

/** Buyer fields the entry requires (Naver Pay: buyer_tel). */
export function buyerFields(entry: PgGuideEntry): string[] {
  return entry.required_fields.filter((f) => f.startsWith("buyer_"));
}

export function isNaverPay(entry: PgGuideEntry): boolean {
  return entry.conditional_fields.some((c) => c.field === "naverPopupMode");
}

/** One parameter of the `IMP.request_pay` call, in the order the code shows it. */
export interface SnippetField {
  name: string;
  value: string | number | boolean;
}

/**
 * The parameters of the call, in order: what the code shows and what "try it on the
 * sandbox" sends (the one place that decides which fields the PG gets).
 */
export function requestPayFields(entry: PgGuideEntry, input: Omit<SnippetInput, "comments">): SnippetField[] {
  const fields: SnippetField[] = [];
  const pg = snippetPg(entry, input.mid);
  if (pg) fields.push({ name: "pg", value: pg });
  const payMethod = snippetPayMethod(entry);
  if (payMethod) fields.push({ name: "pay_method", value: payMethod });
  fields.push({ name: "merchant_uid", value: input.merchantUid });
  fields.push({ name: "customer_uid", value: input.customerUid });
  const amount = Number.isFinite(input.amount) ? Math.max(0, Math.trunc(input.amount)) : 0;
  fields.push({ name: "amount", value: amount });
  fields.push({ name: "name", value: input.name });
  for (const f of buyerFields(entry)) fields.push({ name: f, value: input.buyer[f] ?? "" });
  if (isNaverPay(entry)) {
    fields.push({ name: "naverPopupMode", value: input.naverPopupMode });
    if (input.naverProductCode.trim()) fields.push({ name: "naverProductCode", value: input.naverProductCode.trim() });
  }
  if (needsRedirect(entry, input.naverPopupMode)) fields.push({ name: "m_redirect_url", value: input.redirectUrl });
  return fields;
}

/** The fields as the practice window's query takes them (name, text). */
export function practiceParams(fields: SnippetField[]): [string, string][] {
  return fields.map((f) => [f.name, String(f.value)]);
}

export function buildRequestPay(entry: PgGuideEntry, input: SnippetInput): string {
  const lines: string[] = [];
  for (const f of requestPayFields(entry, input)) {
    const value = typeof f.value === "string" ? jsString(f.value) : String(f.value);
    if (f.name === "m_redirect_url") lines.push(comment(input.comments.redirect));
    lines.push(f.name === "amount" ? `${f.name}: ${value}, ${comment(input.comments.amount)}` : `${f.name}: ${value},`);
  }
  return [
    `IMP.init(${jsString(input.impCode)});`,
    "IMP.request_pay(",
    "  {",
    ...lines.map((f) => `    ${f}`),
    "  },",
    "  function (rsp) {",
    "    if (rsp.success) {",
    `      ${comment(input.comments.success)}`,
    "    } else {",
    `      ${comment(input.comments.failure)}`,
    "      alert(rsp.error_msg);",
    "    }",
    "  },",
    ");",
    "",
  ].join("\n");
}

// ---- Input checks (the generator's inline errors) ----

export type ImpCodeProblem = "empty" | "format";
/** The merchant identification code (가맹점 식별코드): `imp` followed by 8 digits. */
export function checkImpCode(code: string): ImpCodeProblem | null {
  if (!code.trim()) return "empty";
  return /^imp\d{8}$/.test(code.trim()) ? null : "format";
}

/** A MID goes after the dot of `{code}.{MID}`: letters, digits, `_` and `-` only. */
export function checkMid(mid: string): "bad_chars" | null {
  return mid === "" || /^[A-Za-z0-9_-]{1,64}$/.test(mid) ? null : "bad_chars";
}

export function checkRedirectUrl(url: string): "format" | null {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? null : "format";
  } catch {
    return "format";
  }
}

export type AmountProblem = "negative" | "positive_required" | "not_integer";
export function checkAmount(entry: PgGuideEntry, amount: number): AmountProblem | null {
  if (!Number.isInteger(amount)) return "not_integer";
  if (amount < 0) return "negative";
  if (amountRequired(entry) && amount === 0) return "positive_required";
  return null;
}

export function checkBuyerTel(tel: string): "empty" | "format" | null {
  if (!tel.trim()) return "empty";
  return /^[0-9-]{9,14}$/.test(tel.trim()) ? null : "format";
}

