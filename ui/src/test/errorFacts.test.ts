import { describe, expect, it } from "vitest";
import i18n from "../i18n";
import { errorText } from "../lib/errors";

// A refusal's numbers come from Rust (`details`), so a text never holds its own copy of a
// limit that could drift from the one Rust applies.
describe("error texts take their facts from Rust", () => {
  it("a file over the cap names the cap Rust sent, in both languages", async () => {
    const refusal = { code: "file_too_large", message: "big", details: { file: "a.csv", max_mb: 37 } };
    await i18n.changeLanguage("ko");
    expect(errorText(i18n.t, refusal)).toContain("37MB");
    await i18n.changeLanguage("en");
    expect(errorText(i18n.t, refusal)).toContain("37 MB");
  });

  it("an amount over the limit names Rust's limit, formatted for the language", async () => {
    const refusal = { code: "amount_too_large", message: "big", details: { field: "amount", max: 12345678 } };
    await i18n.changeLanguage("ko");
    expect(errorText(i18n.t, refusal)).toContain("12,345,678원");
    await i18n.changeLanguage("en");
    expect(errorText(i18n.t, refusal)).toContain("₩12,345,678");
  });
});
