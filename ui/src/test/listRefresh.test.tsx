import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { act, render, renderHook, waitFor } from "@testing-library/react";
import { Suspense, type ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createQueryClient } from "../lib/queryClient";
import { usePaged, type Page } from "../lib/usePaged";
import { usePositioned, type Positions, type PositionWindow } from "../lib/usePositioned";

/** A list the store holds: its rows can change without the screen being told (a sync, the plan engine, the CLI). */
function storeList(initial: string[]) {
  const list = { rows: initial, windows: 0, pages: 0 };
  const positions: Positions<string> = {
    windowKey: (snapshot) => ["list", "window", snapshot],
    fetchWindow: async () => {
      list.windows += 1;
      return { snapshot: 1, count: list.rows.length, newer: 0 };
    },
    pageKey: (snapshot, page) => ["list", "page", snapshot, page],
    fetchPage: async (_snapshot, page) => {
      list.pages += 1;
      return list.rows.slice(page * 50, page * 50 + 50);
    },
    pageSize: 50,
  };
  return { list, positions };
}

function wrapperOf(client: QueryClient) {
  return ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

afterEach(() => vi.restoreAllMocks());

/**
 * Renders a screen whose list hook runs first and whose rest (on a first visit, ~400 ms of
 * cold script) renders after it: how many times the list had been asked for by then.
 */
function askedBeforeTheRestOfTheScreen(useList: () => unknown, asked: () => number): number | null {
  let seen: number | null = null;
  function RestOfScreen() {
    seen ??= asked();
    return null;
  }
  function Screen() {
    useList();
    return <RestOfScreen />;
  }
  render(<Screen />, { wrapper: wrapperOf(createQueryClient()) });
  return seen;
}

/** Lets the answers asked for arrive and be drawn. */
const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 20)));

describe("a list read by position, scrolled", () => {
  it("draws the screen around the table again only when the pages in view change", async () => {
    const { positions } = storeList(Array.from({ length: 200 }, (_, i) => `row${i}`));
    const client = createQueryClient();
    let renders = 0;
    const { result } = renderHook(
      () => {
        renders += 1;
        return usePositioned(positions, ["scrolled"]);
      },
      { wrapper: wrapperOf(client) },
    );
    await waitFor(() => expect(result.current.rowAt(0)).toBe("row0"));
    // Away from the top the list keeps reading the rows as they are (it pins its window,
    // which draws the screen again once or twice).
    act(() => result.current.onRange(1, 21));
    await settle();
    act(() => result.current.onRange(2, 22));
    await settle();
    const drawn = renders;
    // Row by row within the first page (rows 0..49): nothing to draw around the table.
    for (let first = 3; first <= 25; first++) act(() => result.current.onRange(first, first + 20));
    await settle();
    expect(renders).toBe(drawn);
    // Into the second page: its rows are asked for and drawn.
    act(() => result.current.onRange(40, 60));
    await waitFor(() => expect(result.current.rowAt(60)).toBe("row60"));
  });
});

describe("a list visited again", () => {
  it("read by position: draws once with the rows it had, then shows the store as it is now", async () => {
    const { list, positions } = storeList(["a", "b"]);
    const client = createQueryClient();
    // The last visit's answers, still in the cache.
    const lastVisit = { updatedAt: Date.now() - 30_000 };
    client.setQueryData<PositionWindow>(positions.windowKey(null), { snapshot: 1, count: 2, newer: 0 }, lastVisit);
    client.setQueryData(positions.pageKey(1, 0), ["a", "b"], lastVisit);
    let renders = 0;
    const { result } = renderHook(
      () => {
        renders += 1;
        return usePositioned(positions, ["list"]);
      },
      { wrapper: wrapperOf(client) },
    );
    expect(result.current.rowAt(0)).toBe("a");
    expect(result.current.loading).toBe(false);
    await settle();
    // Asked again, and the answers (the same rows) drew nothing more: a refetch started as
    // the queries mount drew the whole screen a second time.
    expect(list.windows).toBe(1);
    expect(list.pages).toBe(1);
    expect(renders).toBe(1);

    // Changed meanwhile without the screen being told: the next visit (seconds later) shows it.
    list.rows = ["c", "a", "b"];
    const later = Date.now() + 5_000;
    vi.spyOn(Date, "now").mockImplementation(() => later);
    const again = renderHook(() => usePositioned(positions, ["list"]), { wrapper: wrapperOf(client) });
    await waitFor(() => expect(again.result.current.count).toBe(3));
    await waitFor(() => expect(again.result.current.rowAt(0)).toBe("c"));
  });

  it("read by keyset pages: draws once with the rows it had, then shows the store as it is now", async () => {
    let rows = ["a", "b"];
    let asked = 0;
    const options = {
      queryKey: ["paged"] as const,
      queryFn: async (): Promise<Page<string>> => {
        asked += 1;
        return { items: rows, next_cursor: null };
      },
      initialPageParam: null as string | null,
      getNextPageParam: (last: Page<string>) => last.next_cursor,
    };
    const client = createQueryClient();
    client.setQueryData(["paged"], { pages: [{ items: ["a", "b"], next_cursor: null }], pageParams: [null] });
    let renders = 0;
    const { result } = renderHook(
      () => {
        renders += 1;
        return usePaged(options);
      },
      { wrapper: wrapperOf(client) },
    );
    expect(result.current.rows).toEqual(["a", "b"]);
    expect(result.current.loading).toBe(false);
    await settle();
    expect(asked).toBe(1);
    expect(renders).toBe(1);

    rows = ["c", "a", "b"];
    const again = renderHook(() => usePaged(options), { wrapper: wrapperOf(client) });
    await waitFor(() => expect(again.result.current.rows).toEqual(["c", "a", "b"]));
  });

  it("a list asked for the first time is asked once, and loads until it has answered", async () => {
    const { list, positions } = storeList(["a"]);
    const { result } = renderHook(() => usePositioned(positions, ["first"]), { wrapper: wrapperOf(createQueryClient()) });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.drawn).toBe(true));
    await settle();
    expect(result.current.loading).toBe(false);
    expect(list.windows).toBe(1);
  });

  it("a list asked for the first time is asked for as its screen starts to render, before the rest of the screen is drawn", async () => {
    const { list, positions } = storeList(["a"]);
    expect(askedBeforeTheRestOfTheScreen(() => usePositioned(positions, ["first render"]), () => list.windows)).toBe(1);
    await settle();
    expect(list.windows).toBe(1);
  });

  it("a keyset list asked for the first time is asked for as its screen starts to render", async () => {
    const store = { rows: ["a"], asked: 0 };
    const options = {
      queryKey: ["keyset first render"] as const,
      queryFn: async (): Promise<Page<string>> => {
        store.asked += 1;
        return { items: store.rows, next_cursor: null };
      },
      initialPageParam: null as string | null,
      getNextPageParam: (last: Page<string>) => last.next_cursor,
    };
    expect(askedBeforeTheRestOfTheScreen(() => usePaged(options), () => store.asked)).toBe(1);
    await settle();
    expect(store.asked).toBe(1);
  });

  it("a first visit's answer that is in before the screen commits (a part of it still loading) is not asked again", async () => {
    const { list, positions } = storeList(["a"]);
    let codeLoaded = false;
    let loadCode: () => void = () => {};
    const code = new Promise<void>((resolve) => (loadCode = resolve)).then(() => {
      codeLoaded = true;
    });
    // A part of the screen whose code is still on its way: the screen suspends and renders again later.
    function SlowPart() {
      if (!codeLoaded) throw code;
      return null;
    }
    function Screen() {
      usePositioned(positions, ["suspended first visit"]);
      return <SlowPart />;
    }
    render(
      <Suspense fallback={null}>
        <Screen />
      </Suspense>,
      { wrapper: wrapperOf(createQueryClient()) },
    );
    await settle(); // the window's answer is in; the screen is still waiting for its code
    expect(list.windows).toBe(1);
    await act(async () => {
      loadCode();
      await code;
    });
    await settle();
    expect(list.windows).toBe(1);
  });

  it("a keyset list asked for its next page while its pages are being asked again loads that page once they are in", async () => {
    let hold: Promise<void> | null = null;
    const options = {
      queryKey: ["next page during a refetch"] as const,
      queryFn: async ({ pageParam }: { pageParam: string | null }): Promise<Page<string>> => {
        if (hold) await hold;
        return pageParam === null ? { items: ["a", "b"], next_cursor: "2" } : { items: ["c"], next_cursor: null };
      },
      initialPageParam: null as string | null,
      getNextPageParam: (last: Page<string>) => last.next_cursor,
    };
    const client = createQueryClient();
    const { result } = renderHook(() => usePaged(options), { wrapper: wrapperOf(client) });
    await waitFor(() => expect(result.current.rows).toEqual(["a", "b"]));
    // A sync changed the store: the pages shown are asked again, slowly.
    let release: () => void = () => {};
    hold = new Promise<void>((resolve) => (release = resolve));
    act(() => void client.refetchQueries({ queryKey: options.queryKey }));
    // The table reached the end once, during that refetch.
    act(() => result.current.loadMore());
    await act(async () => {
      hold = null;
      release();
    });
    await waitFor(() => expect(result.current.rows).toEqual(["a", "b", "c"]));
  });
});

