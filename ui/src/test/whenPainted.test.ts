import { mockIPC } from "@tauri-apps/api/mocks";
import { waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { tellPainted, whenPainted } from "../lib/startup";

describe("work that waits for a screen", () => {
  it("runs once that screen is painted (not when asked), not at all once cancelled, and at once when it already is", async () => {
    mockIPC(() => null);
    const ran: string[] = [];
    whenPainted("dashboard", () => ran.push("waited"));
    const cancel = whenPainted("dashboard", () => ran.push("cancelled"));
    cancel();
    whenPainted("shell", () => ran.push("other screen"));
    expect(ran).toEqual([]);
    tellPainted("dashboard");
    expect(ran).toEqual([]); // told before its frame is drawn
    await waitFor(() => expect(ran).toEqual(["waited"]));
    whenPainted("dashboard", () => ran.push("after"));
    expect(ran).toEqual(["waited", "after"]);
    tellPainted("dashboard");
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual(["waited", "after"]);
  });
});
