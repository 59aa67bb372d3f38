import { describe, expect, it } from "vitest";
import type { PgChannelView } from "../bindings";
import { channelsForEntry, classifyChannel, entryName, findEntry, localize, PG_GUIDE, PG_GUIDE_KO } from "../lib/pgGuide";

const hangul = /[\uac00-\ud7a3]/;

describe("Korean texts of the PG guide (data/pg-guide.ko.json)", () => {
  it("has the 16 entries, 11 window and 5 REST", () => {
    expect(PG_GUIDE).toHaveLength(16);
    expect(PG_GUIDE.filter((e) => e.method === "window")).toHaveLength(11);
    expect(PG_GUIDE.filter((e) => e.method === "rest")).toHaveLength(5);
  });

  it("translates every entry, note and conditional field", () => {
    expect(Object.keys(PG_GUIDE_KO).sort()).toEqual(PG_GUIDE.map((e) => e.id).sort());
    for (const e of PG_GUIDE) {
      const ko = PG_GUIDE_KO[e.id];
      expect(ko, e.id).toBeDefined();
      if (!ko) continue;
      expect(ko.notes, `${e.id} notes`).toHaveLength(e.notes.length);
      ko.notes.forEach((n, i) => {
        expect(n.trim(), `${e.id} note ${i}`).not.toBe("");
        expect(n, `${e.id} note ${i} is Korean`).toMatch(hangul);
      });
      expect(Object.keys(ko.conditional_fields).sort(), `${e.id} conditional`).toEqual(e.conditional_fields.map((c) => c.field).sort());
      for (const [field, when] of Object.entries(ko.conditional_fields)) expect(when, `${e.id} ${field}`).toMatch(hangul);
      expect(ko.linked_docs, `${e.id} linked_docs`).toHaveLength(e.linked_docs.length);
      expect(ko.result_delivery.pc, `${e.id} pc`).toBeTruthy();
      expect(ko.result_delivery.mobile, `${e.id} mobile`).toBeTruthy();
      expect(ko.pay_method === null, `${e.id} pay_method`).toBe(e.pay_method === null);
      expect(ko.pg_param_mid_form === null, `${e.id} mid form`).toBe(e.pg_param_mid_form === null);
      expect(ko.required_fields_key_plus_charge?.length, `${e.id} key+charge`).toBe(e.required_fields_key_plus_charge?.length);
    }
  });

  it("keeps technical tokens untranslated", () => {
    const tokens = /(\/subscribe\/[a-z/{}_]+|[a-z]+_[a-z0-9_]+|https?:\/\/\S+|imp\d{8})/g;
    for (const e of PG_GUIDE) {
      const ko = PG_GUIDE_KO[e.id];
      e.notes.forEach((n, i) => {
        for (const tok of n.match(tokens) ?? []) expect(ko?.notes[i], `${e.id} note ${i} keeps ${tok}`).toContain(tok.replace(/[.,;)]+$/, ""));
      });
    }
  });

  it("Korean names carry no English remarks", () => {
    for (const e of PG_GUIDE) expect(entryName(e, "ko"), e.id).not.toMatch(/\b[a-z]{3,}\b/);
  });

  it("shows Korean in Korean and English in English", () => {
    const e = findEntry("danal-card-window");
    if (!e) throw new Error("missing");
    expect(localize(e, "en").notes[0]?.text).toBe(e.notes[0]);
    expect(localize(e, "ko").notes[0]?.text).toMatch(hangul);
    expect(localize(e, "ko").notes.filter((n) => n.testMode)).toHaveLength(1);
  });
});

/** A channel as Rust's `pg_channels` sends it: REST readiness and guide row are Rust's (its PG rules). */
function ch(pg_provider: string, kind: string, pg_id = "MID1", rest: { rest_issue: string; guide_entry: string | null } | null = null): PgChannelView {
  return { pg_provider, pg_id, kind, channel_name: null, sandbox: false, rest_issue: rest?.rest_issue ?? null, guide_entry: rest?.guide_entry ?? null };
}

describe("readiness classification", () => {
  it("REST channels are what Rust's rules say they are", () => {
    expect(classifyChannel(ch("nice", "api_payment", "M", { rest_issue: "key", guide_entry: "nice-api" }))).toEqual({ kind: "rest", entryId: "nice-api" });
    expect(classifyChannel(ch("jtnet", "api_payment", "M", { rest_issue: "key", guide_entry: "jtnet-api" }))).toEqual({ kind: "rest", entryId: "jtnet-api" });
    expect(classifyChannel(ch("tosspayments", "api_payment", "M", { rest_issue: "key", guide_entry: null })).entryId).toBeNull();
    // No rule in Rust: not a billing channel, whatever its name.
    expect(classifyChannel(ch("nice", "api_payment")).kind).toBe("none");
  });

  it("Settlebank issues over REST only with a first charge", () => {
    expect(classifyChannel(ch("settle", "api_payment", "M", { rest_issue: "first_charge_only", guide_entry: "settlebank-api" }))).toEqual({ kind: "rest_first_charge", entryId: "settlebank-api" });
  });

  it("window channels match a window entry's pg code", () => {
    expect(classifyChannel(ch("kcp_billing", "payment"))).toEqual({ kind: "window", entryId: "kcp-window" });
    expect(classifyChannel(ch("kakaopay", "payment"))).toEqual({ kind: "window", entryId: "kakaopay-window" });
    expect(classifyChannel(ch("danal_tpay", "payment"))).toEqual({ kind: "window", entryId: "danal-card-window" });
    expect(classifyChannel(ch("danal", "payment"))).toEqual({ kind: "window", entryId: "danal-phone-window" });
    expect(classifyChannel(ch("html5_inicis", "payment"))).toEqual({ kind: "window", entryId: "inicis-window" });
  });

  it("everything else is not a billing channel", () => {
    expect(classifyChannel(ch("kcp", "payment")).kind).toBe("none");
    expect(classifyChannel(ch("nice", "payment")).kind).toBe("none");
    expect(classifyChannel(ch("kakaopay", "api_payment")).kind).toBe("none");
    expect(classifyChannel(ch("danal", "certification")).kind).toBe("none");
    expect(classifyChannel(ch("kcp_billing", "unknown")).kind).toBe("none");
  });

  it("an entry's channels", () => {
    const kcpApi = findEntry("kcp-api");
    const kcpWin = findEntry("kcp-window");
    if (!kcpApi || !kcpWin) throw new Error("missing");
    const list = [ch("kcp", "api_payment", "T0000", { rest_issue: "key", guide_entry: "kcp-api" }), ch("kcp", "payment"), ch("kcp_billing", "payment", "BA001")];
    expect(channelsForEntry(kcpApi, list).map((c) => c.kind)).toEqual(["api_payment"]);
    expect(channelsForEntry(kcpWin, list).map((c) => c.pg_id)).toEqual(["BA001"]);
  });
});
