import { act, render, screen as find } from "@testing-library/react";
import { Suspense } from "react";
import { describe, expect, it } from "vitest";
import { preloadScreens, screen } from "../lib/screens";

describe("a screen's code", () => {
  it("fetched ahead, renders in the first commit without the loader", async () => {
    let fetches = 0;
    const Ahead = screen(async () => {
      fetches += 1;
      return { Ahead: () => <p>ahead</p> };
    }, "Ahead");
    await preloadScreens();
    const fallbacks: string[] = [];
    function Loader() {
      fallbacks.push("loader");
      return <p>loading</p>;
    }
    render(
      <Suspense fallback={<Loader />}>
        <Ahead />
      </Suspense>,
    );
    expect(find.getByText("ahead")).toBeTruthy();
    expect(fallbacks).toEqual([]);
    expect(fetches).toBe(1);
  });

  it("not fetched yet, shows the loader until it arrives; a failed preload is fetched again by the visit", async () => {
    let fetches = 0;
    const Later = screen(async () => {
      fetches += 1;
      if (fetches === 1) throw new Error("offline");
      return { Later: () => <p>later</p> };
    }, "Later");
    await preloadScreens();
    render(
      <Suspense fallback={<p>loading</p>}>
        <Later />
      </Suspense>,
    );
    expect(find.getByText("loading")).toBeTruthy();
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)));
    expect(find.getByText("later")).toBeTruthy();
    expect(fetches).toBe(2);
  });
});
