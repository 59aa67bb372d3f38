import raw from "../../../data/pg-guide.json";

/** One PG/method entry of data/pg-guide.json (the fields the app reads). */
export interface PgGuideEntry {
  id: string;
  pg_name_en: string;
  pg_name_ko: string;
  method: "window" | "rest";
  pg_param: string | null;
  pg_param_mid_form: string | null;
  supports: {
    billing_key_rest: boolean | null;
    billing_key_window: boolean | null;
    charge_again: boolean | null;
    schedule: boolean | null;
    zero_amount_key_issue: boolean | null;
  };
  required_fields: string[];
  test_mode_guide_url: string | null;
  doc_url_en: string | null;
  doc_url_ko: string | null;
}

export const PG_GUIDE: PgGuideEntry[] = raw as PgGuideEntry[];
