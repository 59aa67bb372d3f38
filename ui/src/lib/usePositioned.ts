import { hashKey, useQueries, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

/** A list read by position, as Rust answers its window (`PaymentWindow`). */
export interface PositionWindow {
  snapshot: number;
  count: number;
  newer: number;
}

/** How a list read by position is asked for (see `paymentPositions`). */
export interface Positions<T> {
  /** The window of the list; `null`: the store as it is now. */
  windowKey: (snapshot: number | null) => QueryKey;
  fetchWindow: (snapshot: number | null) => Promise<PositionWindow>;
  /** The page that starts at row `page * pageSize` of the rows stored at `snapshot`. */
  pageKey: (snapshot: number, page: number) => QueryKey;
  fetchPage: (snapshot: number, page: number) => Promise<T[]>;
  pageSize: number;
}

/** Pages out of view leave the cache soon: a list of a million rows is not kept as it scrolls by. */
const PAGE_GC_MS = 30_000;

/**
 * A store list read by position for a VirtualTable: the scroll height is the window's row
 * count, and only the pages under the visible rows are asked for, so row 10,000 is drawn
 * without the 50 pages before it. `rowAt` gives the loaded rows by place (the table skips
 * the places still on their way).
 *
 * At the top, the list follows the store (a sync's new payments appear above). Once the
 * user scrolls down, it keeps the snapshot it was reading: arriving payments neither push
 * the rows on screen down nor show one twice; `newer` counts them and `showNewer` goes back
 * to the top with them. Changes to rows already listed still show where they are.
 */
export function usePositioned<T>(positions: Positions<T>, listKey: readonly unknown[], enabled = true) {
  const list = hashKey(listKey);
  const [view, setView] = useState<{ list: string; first: number; last: number; pinned: PositionWindow | null; generation: number }>({ list, first: 0, last: 0, pinned: null, generation: 0 });
  // A new query starts at its top, following the store.
  const state = view.list === list ? view : { list, first: 0, last: 0, pinned: null, generation: view.generation };
  const windowQuery = (snapshot: number | null, on: boolean) => ({ queryKey: positions.windowKey(snapshot), queryFn: () => positions.fetchWindow(snapshot), enabled: on });
  const latest = useQuery(windowQuery(null, enabled));
  // Pinned, the list starts from the window it was reading (the same snapshot, nothing
  // newer yet) instead of counting it again while the user scrolls: it is asked again when
  // payments change here (the window is under the list's key, which they invalidate).
  const pinnedWindow = useQuery({ ...windowQuery(state.pinned?.snapshot ?? null, enabled && state.pinned !== null), initialData: state.pinned ?? undefined, staleTime: Infinity });
  const current: PositionWindow | undefined = !enabled ? undefined : state.pinned ? (pinnedWindow.data ?? state.pinned) : latest.data;

  const size = positions.pageSize;
  const wanted = useMemo(() => {
    if (!current || current.count === 0) return [];
    const last = Math.min(state.last, current.count - 1);
    const out: number[] = [];
    for (let p = Math.floor(state.first / size); p <= Math.floor(last / size); p++) out.push(p);
    return out;
  }, [current, state.first, state.last, size]);
  const pages = useQueries({
    queries: current ? wanted.map((p) => ({ queryKey: positions.pageKey(current.snapshot, p), queryFn: () => positions.fetchPage(current.snapshot, p), gcTime: PAGE_GC_MS })) : [],
  });

  // The loaded rows by their place in the list (only the pages in view: a few hundred rows).
  const loaded = new Map<number, T>();
  wanted.forEach((p, i) => pages[i]?.data?.forEach((row, j) => loaded.set(p * size + j, row)));
  const count = current?.count ?? 0;

  // The pages under a new range are asked for as soon as the table reports it, not after
  // the page around the table has drawn again with the new range (on a loaded machine that
  // redraw took longer than Rust's answer); the page's own queries then find them on their way.
  const client = useQueryClient();
  const asked = useRef({ positions, current });
  useEffect(() => {
    asked.current = { positions, current };
  });
  const onRange = useCallback(
    (first: number, last: number) => {
      const { positions: ps, current: window } = asked.current;
      if (window && window.count > 0) {
        for (let p = Math.floor(first / ps.pageSize); p <= Math.floor(Math.min(last, window.count - 1) / ps.pageSize); p++) {
          void client.ensureQueryData({ queryKey: ps.pageKey(window.snapshot, p), queryFn: () => ps.fetchPage(window.snapshot, p), gcTime: PAGE_GC_MS });
        }
      }
      setView((v) => {
        const s = v.list === list ? v : { list, first: 0, last: 0, pinned: null, generation: v.generation };
        // Scrolled away from the top: keep reading the rows as they are now.
        const pinned = first === 0 ? null : (s.pinned ?? latest.data ?? null);
        if (s.first === first && s.last === last && s.pinned === pinned && v === s) return v;
        return { ...s, first, last, pinned };
      });
    },
    [client, list, latest.data],
  );
  const showNewer = useCallback(() => setView((v) => ({ list, first: 0, last: 0, pinned: null, generation: v.generation + 1 })), [list]);

  const queries = [latest, pinnedWindow, ...pages];
  const error = queries.find((q) => q.error)?.error ?? null;
  return {
    count,
    rowAt: (i: number) => loaded.get(i),
    newer: state.pinned ? (pinnedWindow.data?.newer ?? 0) : 0,
    loading: latest.isFetching || pinnedWindow.isFetching || pages.some((q) => q.isFetching),
    /** The window and the rows in view have answered (or there are none): the list is drawn. */
    drawn: current !== undefined && (count === 0 || pages.some((q) => q.data !== undefined)),
    onRange,
    showNewer,
    /** Changes when the list starts again (another query, or back to the top for the newer rows). */
    listVersion: `${list}:${state.generation}`,
    error,
    refetch: () => Promise.all(queries.map((q) => q.refetch())),
  };
}
