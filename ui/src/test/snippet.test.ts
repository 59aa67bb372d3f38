import { describe, expect, it } from "vitest";
import { findEntry, PG_GUIDE, type PgGuideEntry } from "../lib/pgGuide";
import {
  buildRequestPay,
  checkAmount,
  checkImpCode,
  checkMid,
  defaultAmount,
  jsString,
  type SnippetInput,
} from "../lib/snippet";

function entry(id: string): PgGuideEntry {
  const e = findEntry(id);
  if (!e) throw new Error(`no entry ${id}`);
  return e;
}

function input(e: PgGuideEntry, over: Partial<SnippetInput> = {}): SnippetInput {
  return {
    impCode: "imp12345678",
    mid: "",
    customerUid: "cus_20250101_abc",
    merchantUid: "bk_20250101_xyz",
    amount: defaultAmount(e),
    name: "정기결제 카드 등록",
    buyer: { buyer_tel: "010-1234-5678" },
    redirectUrl: "https://shop.example.com/billing/done",
    naverPopupMode: false,
    naverProductCode: "",
    comments: { success: "ok", failure: "fail", redirect: "redirect", amount: "amount" },
    ...over,
  };
}

/** Runs the generated code against a fake IMP and returns what request_pay received. */
function run(code: string) {
  const calls: { init?: unknown; params?: Record<string, unknown>; callback?: (rsp: unknown) => void } = {};
  const alerts: unknown[] = [];
  const IMP = {
    init: (code: unknown) => (calls.init = code),
    request_pay: (params: Record<string, unknown>, cb: (rsp: unknown) => void) => {
      calls.params = params;
      calls.callback = cb;
    },
  };
  new Function("IMP", "alert", code)(IMP, (m: unknown) => alerts.push(m));
  return { ...calls, alerts };
}

// What the guide says each window PG needs: pg code, pay_method (or none), amount rule, redirect.
const EXPECT: Record<string, { pg: string; payMethod: string | null; amount: number; redirect: boolean }> = {
  "danal-card-window": { pg: "danal_tpay", payMethod: "card", amount: 0, redirect: false },
  "danal-phone-window": { pg: "danal", payMethod: "phone", amount: 1000, redirect: false },
  "kcp-window": { pg: "kcp_billing", payMethod: "card", amount: 0, redirect: true },
  "inicis-window": { pg: "html5_inicis", payMethod: "card", amount: 0, redirect: true },
  "jtnet-window": { pg: "jtnet", payMethod: "card", amount: 0, redirect: true },
  "kicc-window": { pg: "kicc", payMethod: "card", amount: 0, redirect: true },
  "payco-window": { pg: "payco", payMethod: null, amount: 0, redirect: false },
  "kakaopay-window": { pg: "kakaopay", payMethod: null, amount: 0, redirect: false },
  "chai-window": { pg: "chai", payMethod: "trans", amount: 0, redirect: true },
  "mobilians-phone-window": { pg: "mobilians", payMethod: "phone", amount: 1000, redirect: false },
  "naverpay-window": { pg: "naverpay", payMethod: null, amount: 0, redirect: true },
};

describe("IMP.request_pay snippet", () => {
  it("covers every payment-window entry", () => {
    expect(Object.keys(EXPECT).sort()).toEqual(PG_GUIDE.filter((e) => e.method === "window").map((e) => e.id).sort());
  });

  for (const [id, want] of Object.entries(EXPECT)) {
    it(`${id}: pg ${want.pg}, pay_method ${want.payMethod ?? "omitted"}, amount ${want.amount}, redirect ${want.redirect}`, () => {
      const e = entry(id);
      const code = buildRequestPay(e, input(e));
      const { init, params } = run(code);
      expect(init).toBe("imp12345678");
      expect(params?.pg).toBe(want.pg);
      if (want.payMethod) expect(params?.pay_method).toBe(want.payMethod);
      else expect(params).not.toHaveProperty("pay_method");
      expect(params?.amount).toBe(want.amount);
      expect(params?.customer_uid).toBe("cus_20250101_abc");
      expect(params?.merchant_uid).toBe("bk_20250101_xyz");
      if (want.redirect) expect(params?.m_redirect_url).toBe("https://shop.example.com/billing/done");
      else expect(params).not.toHaveProperty("m_redirect_url");
      expect(code).toContain("rsp.success");
      expect(code).toContain("rsp.error_msg");
    });
  }

  it("uses the {code}.{MID} form when a MID is typed", () => {
    const e = entry("kcp-window");
    expect(run(buildRequestPay(e, input(e, { mid: "BA001" }))).params?.pg).toBe("kcp_billing.BA001");
    const c = entry("chai-window");
    expect(run(buildRequestPay(c, input(c, { mid: "pk_live_1" }))).params?.pg).toBe("chai.pk_live_1");
  });

  it("amount: 0 where key-only issuance is allowed, a positive first charge where the PG must charge", () => {
    expect(checkAmount(entry("danal-card-window"), 0)).toBeNull();
    expect(checkAmount(entry("kakaopay-window"), 0)).toBeNull();
    expect(checkAmount(entry("kcp-window"), 0)).toBeNull();
    expect(checkAmount(entry("danal-phone-window"), 0)).toBe("positive_required");
    expect(checkAmount(entry("mobilians-phone-window"), 0)).toBe("positive_required");
    expect(checkAmount(entry("mobilians-phone-window"), 5500)).toBeNull();
    expect(checkAmount(entry("danal-card-window"), -1)).toBe("negative");
    const e = entry("danal-card-window");
    expect(run(buildRequestPay(e, input(e, { amount: 9900 }))).params?.amount).toBe(9900);
  });

  it("Naver Pay sends buyer_tel and naverPopupMode, and m_redirect_url only in the redirect flow", () => {
    const e = entry("naverpay-window");
    const redirect = run(buildRequestPay(e, input(e, { naverProductCode: "plan-basic" }))).params;
    expect(redirect?.buyer_tel).toBe("010-1234-5678");
    expect(redirect?.naverPopupMode).toBe(false);
    expect(redirect?.naverProductCode).toBe("plan-basic");
    expect(redirect?.m_redirect_url).toBe("https://shop.example.com/billing/done");
    const popup = run(buildRequestPay(e, input(e, { naverPopupMode: true }))).params;
    expect(popup?.naverPopupMode).toBe(true);
    expect(popup).not.toHaveProperty("m_redirect_url");
    expect(popup).not.toHaveProperty("naverProductCode");
  });

  it("only Naver Pay asks for buyer fields", () => {
    for (const e of PG_GUIDE.filter((x) => x.method === "window" && x.id !== "naverpay-window")) {
      expect(run(buildRequestPay(e, input(e))).params, e.id).not.toHaveProperty("buyer_tel");
    }
  });

  it("quotes user inputs so they cannot break out of the JS", () => {
    const e = entry("kcp-window");
    const nasty = `a"b'c\\d\`e</script><script>alert(1)</script>\n${"\u2028"}x`;
    const code = buildRequestPay(
      e,
      input(e, {
        customerUid: nasty,
        name: nasty,
        impCode: `imp"); alert("x`,
        redirectUrl: `https://x/"+alert(1)+"`,
        comments: { success: "line1\nalert(2)", failure: "f", redirect: "r\r\nalert(3)", amount: "a" },
      }),
    );
    expect(code).not.toContain("</script>");
    const { init, params, callback, alerts } = run(code);
    expect(init).toBe(`imp"); alert("x`);
    expect(params?.customer_uid).toBe(nasty);
    expect(params?.name).toBe(nasty);
    expect(params?.m_redirect_url).toBe(`https://x/"+alert(1)+"`);
    expect(alerts).toEqual([]);
    callback?.({ success: true });
    expect(alerts).toEqual([]);
    callback?.({ success: false, error_msg: "사용자가 결제를 취소했습니다" });
    expect(alerts).toEqual(["사용자가 결제를 취소했습니다"]);
    expect(jsString("</")).toBe('"\\u003c/"');
  });
});

describe("snippet inputs", () => {
  it("merchant identification code is imp + 8 digits", () => {
    expect(checkImpCode("imp12345678")).toBeNull();
    expect(checkImpCode("")).toBe("empty");
    expect(checkImpCode("imp1234567")).toBe("format");
    expect(checkImpCode("imp123456789")).toBe("format");
    expect(checkImpCode("IMP12345678")).toBe("format");
  });

  it("MID charset", () => {
    expect(checkMid("")).toBeNull();
    expect(checkMid("INIBillTst")).toBeNull();
    expect(checkMid("a.b")).toBe("bad_chars");
  });
});
