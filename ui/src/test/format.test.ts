import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatKrw } from "../lib/format";

describe("KRW amounts", () => {
  it("shows whole won with the won sign and grouping in both languages", () => {
    expect(formatKrw(12000, "ko")).toBe("₩12,000");
    expect(formatKrw(12000, "en")).toBe("₩12,000");
    expect(formatKrw(0, "ko")).toBe("₩0");
    expect(formatKrw(1234567890, "en")).toBe("₩1,234,567,890");
  });
});

describe("times", () => {
  // 2026-11-24T15:30:00Z is 2026-11-25 00:30 in Seoul (UTC+9, no DST).
  const t = Date.UTC(2026, 10, 24, 15, 30) / 1000;

  it("shows Unix seconds in Asia/Seoul by default", () => {
    expect(formatDateTime(t, "Asia/Seoul", "ko")).toBe("2026. 11. 25. 00:30");
    expect(formatDate(t, "Asia/Seoul", "en")).toBe("11/25/2026");
  });

  it("follows the chosen zone", () => {
    expect(formatDateTime(t, "UTC", "en")).toBe("11/24/2026, 15:30");
  });

  it("treats 0 and null as not happened", () => {
    expect(formatDateTime(0, "Asia/Seoul", "ko")).toBe("—");
    expect(formatDateTime(null, "Asia/Seoul", "en")).toBe("—");
  });
});

