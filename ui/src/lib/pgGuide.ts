import raw from "../../../data/pg-guide.json";
import rawKo from "../../../data/pg-guide.ko.json";
import type { PgChannelView } from "../bindings";
import type { Lang } from "../i18n";

export type IssueAmountBehaviour =
  | "zero_or_charge"
  | "must_charge"
  | "display_only"
  | "key_only_or_key_plus_charge"
  | "key_plus_charge_only";

/** One PG/method entry of data/pg-guide.json (the fields the app reads). */
export interface PgGuideEntry {
  id: string;
  pg_name_en: string;
  pg_name_ko: string;
  method: "window" | "rest";
  pg_param: string | null;
  pg_param_mid_form: string | null;
  pay_method: string | null;
  supports: {
    billing_key_rest: boolean | null;
    billing_key_window: boolean | null;
    charge_again: boolean | null;
    schedule: boolean | null;
    zero_amount_key_issue: boolean | null;
    partial_cancel: boolean | null;
    corporate_card: boolean | null;
  };
  issue_amount_behaviour: IssueAmountBehaviour;
  result_delivery: { pc: string; mobile: string };
  required_fields: string[];
  required_fields_key_plus_charge?: string[];
  conditional_fields: { field: string; when: string }[];
  /** English only; the Korean texts are in data/pg-guide.ko.json. */
  notes: string[];
  test_mode_guide_url: string | null;
  doc_url_en: string | null;
  doc_url_ko: string | null;
  linked_docs: { label: string; url: string; linked_by_manual: boolean }[];
}

/** The Korean texts of one entry (data/pg-guide.ko.json), in the English data's order. */
export interface PgGuideKo {
  /** Only where the data's pg_name_ko is not plain Korean. */
  pg_name?: string;
  notes: string[];
  conditional_fields: Record<string, string>;
  result_delivery: { pc: string; mobile: string };
  pay_method: string | null;
  pg_param_mid_form: string | null;
  linked_docs: string[];
  required_fields_key_plus_charge?: string[];
}

export const PG_GUIDE: PgGuideEntry[] = raw as PgGuideEntry[];
export const PG_GUIDE_KO: Record<string, PgGuideKo | undefined> = rawKo as Record<string, PgGuideKo>;

export function findEntry(id: string | undefined): PgGuideEntry | undefined {
  return PG_GUIDE.find((e) => e.id === id);
}

/** The entry's name in the UI language. */
export function entryName(entry: PgGuideEntry, lang: Lang): string {
  return lang === "ko" ? (PG_GUIDE_KO[entry.id]?.pg_name ?? entry.pg_name_ko) : entry.pg_name_en;
}

/** The entry's free texts in the UI language (English when a Korean text is missing). */
export interface LocalizedEntry {
  name: string;
  notes: { text: string; testMode: boolean }[];
  conditional: { field: string; when: string }[];
  resultDelivery: { pc: string; mobile: string };
  payMethod: string | null;
  midForm: string | null;
  linkedDocs: { label: string; url: string; linkedByManual: boolean }[];
  requiredKeyPlusCharge: string[] | null;
}

/** Notes about test mode open with "Test mode", "Test-mode" or "Test setup" in the data. */
export function isTestModeNote(englishNote: string): boolean {
  return /^Test[- ](mode|setup)/i.test(englishNote);
}

export function localize(entry: PgGuideEntry, lang: Lang): LocalizedEntry {
  const ko = lang === "ko" ? PG_GUIDE_KO[entry.id] : undefined;
  return {
    name: entryName(entry, lang),
    notes: entry.notes.map((n, i) => ({ text: ko?.notes[i] ?? n, testMode: isTestModeNote(n) })),
    conditional: entry.conditional_fields.map((c) => ({ field: c.field, when: ko?.conditional_fields[c.field] ?? c.when })),
    resultDelivery: ko?.result_delivery ?? entry.result_delivery,
    payMethod: ko ? ko.pay_method : entry.pay_method,
    midForm: ko ? ko.pg_param_mid_form : entry.pg_param_mid_form,
    linkedDocs: entry.linked_docs.map((d, i) => ({ label: ko?.linked_docs[i] ?? d.label, url: d.url, linkedByManual: d.linked_by_manual })),
    requiredKeyPlusCharge: (ko?.required_fields_key_plus_charge ?? entry.required_fields_key_plus_charge) ?? null,
  };
}

// ---- Readiness: what a configured channel (GET /users/pg) can do for billing keys ----

export type ReadinessKind = "rest" | "rest_first_charge" | "window" | "none";

export interface ChannelReadiness {
  kind: ReadinessKind;
  /** The guide entry for this channel's method, when the guide has one. */
  entryId: string | null;
}

/** Window entries by their `pg` code; `inicis` is INICIS's older ActiveX window code. */
function windowEntryFor(provider: string): PgGuideEntry | undefined {
  const code = provider === "inicis" ? "html5_inicis" : provider;
  return PG_GUIDE.find((e) => e.method === "window" && e.pg_param === code);
}

/**
 * What a channel can do for billing keys. REST channels are Rust's to judge (its PG rules
 * give `rest_issue` and the guide row); window channels match a window entry's `pg` code
 * in the guide data.
 */
export function classifyChannel(channel: Pick<PgChannelView, "pg_provider" | "kind" | "rest_issue" | "guide_entry">): ChannelReadiness {
  const provider = channel.pg_provider.trim();
  if (channel.kind === "api_payment") {
    if (channel.rest_issue === "key") return { kind: "rest", entryId: channel.guide_entry };
    if (channel.rest_issue === "first_charge_only") return { kind: "rest_first_charge", entryId: channel.guide_entry };
    return { kind: "none", entryId: null };
  }
  if (channel.kind === "payment") {
    const entry = windowEntryFor(provider);
    if (entry) return { kind: "window", entryId: entry.id };
  }
  return { kind: "none", entryId: null };
}

/** The profile's channels that issue keys the way this entry describes. */
export function channelsForEntry(entry: PgGuideEntry, channels: PgChannelView[]): PgChannelView[] {
  return channels.filter((c) => classifyChannel(c).entryId === entry.id);
}
