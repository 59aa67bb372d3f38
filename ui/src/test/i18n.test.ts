import { describe, expect, it } from "vitest";
import ko from "../i18n/ko";
import en from "../i18n/en";
import { BASE_URL_RULES, ERROR_CODES } from "../bindings";

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === "string" ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`),
  );
}

function leaf(obj: object, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe("translations", () => {
  it("Korean and English have exactly the same keys", () => {
    const koKeys = keys(ko).sort();
    const enKeys = keys(en).sort();
    expect(koKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
    expect(enKeys.filter((k) => !koKeys.includes(k))).toEqual([]);
  });

  it("no translation is empty", () => {
    for (const lang of [ko, en]) {
      for (const k of keys(lang)) expect(String(leaf(lang, k)).trim(), k).not.toBe("");
    }
  });

  // `tsc` already refuses a table without a text for some `ErrorCode`; this checks the same
  // at run time against Rust's `ErrorCode::ALL`, and that no text outlives its code.
  it("the error texts are exactly Rust's error codes, plus unknown", () => {
    const expected = ["unknown", ...ERROR_CODES].sort();
    expect(ERROR_CODES.length).toBeGreaterThan(0);
    expect(Object.keys(ko.errors).sort()).toEqual(expected);
    expect(Object.keys(en.errors).sort()).toEqual(expected);
  });

  it("every rule an API address can break has a text in both languages", () => {
    expect(BASE_URL_RULES.length).toBeGreaterThan(0);
    for (const rule of BASE_URL_RULES) {
      expect(leaf(ko, `profiles.baseUrlRule.${rule}`), `ko ${rule}`).toBeTypeOf("string");
      expect(leaf(en, `profiles.baseUrlRule.${rule}`), `en ${rule}`).toBeTypeOf("string");
    }
  });

  it("interpolation placeholders match between languages", () => {
    const placeholders = (s: string) => (s.match(/{{\w+}}/g) ?? []).sort();
    for (const k of keys(ko)) {
      expect(placeholders(String(leaf(en, k))), k).toEqual(placeholders(String(leaf(ko, k))));
    }
  });
});
