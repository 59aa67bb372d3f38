import { describe, expect, it } from "vitest";
import { typedPhone, typedWon } from "../lib/typed";

describe("amounts and phone numbers as typed", () => {
  it("groups whole won by thousands and leaves anything else as typed", () => {
    expect(typedWon("12000")).toBe("12,000");
    expect(typedWon("1,2000")).toBe("12,000");
    expect(typedWon("1234567")).toBe("1,234,567");
    expect(typedWon("999")).toBe("999");
    expect(typedWon("")).toBe("");
    expect(typedWon("0")).toBe("0");
    expect(typedWon("007")).toBe("007");
    expect(typedWon("12.5")).toBe("12.5");
    expect(typedWon("만원")).toBe("만원");
  });

  it("hyphenates Korean numbers as their digits arrive", () => {
    expect(typedPhone("010")).toBe("010");
    expect(typedPhone("0101")).toBe("010-1");
    expect(typedPhone("0101234")).toBe("010-123-4");
    expect(typedPhone("0101234567")).toBe("010-123-4567");
    expect(typedPhone("01012345678")).toBe("010-1234-5678");
    expect(typedPhone("010-1234-5678")).toBe("010-1234-5678");
    expect(typedPhone("0212345678")).toBe("02-1234-5678");
    expect(typedPhone("021234567")).toBe("02-123-4567");
    expect(typedPhone("0311234567")).toBe("031-123-4567");
    expect(typedPhone("15881234")).toBe("1588-1234");
    expect(typedPhone("+82 10 1234 5678")).toBe("+82 10 1234 5678");
    expect(typedPhone("010123456789")).toBe("010123456789");
  });
});
