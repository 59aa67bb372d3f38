import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
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
    client.setQueryData<PositionWindow>(positions.windowKey(null), { snapshot: 1, count: 2, newer: 0 });
    client.setQueryData(positions.pageKey(1, 0), ["a", "b"]);
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

    // Changed meanwhile without the screen being told: the next visit shows it.
    list.rows = ["c", "a", "b"];
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
});
