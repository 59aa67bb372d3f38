import { hashKey, useQueries, useQuery, useQueryClient, type Query, type QueryKey } from "@tanstack/react-query";
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
  /** The store as it is now with the rows of its first page, in one answer (when Rust offers it). */
  openWindow?: () => Promise<{ window: PositionWindow; firstPage: T[] }>;
}

/** What a positional list shows: the pages in view and, scrolled down, the window it keeps reading. */
interface View {
  list: string;
  firstPage: number;
  lastPage: number;
  pinned: PositionWindow | null;
  generation: number;
}

/** The top of a list, following the store: its first page is asked for with the window. */
function top(list: string, generation: number): View {
  return { list, firstPage: 0, lastPage: 0, pinned: null, generation };
}

/** Pages out of view leave the cache soon: a list of a million rows is not kept as it scrolls by. */
const PAGE_GC_MS = 30_000;

/** An answer this recent is the store as it is now: a visit does not ask for it again. */
const JUST_ANSWERED_MS = 1000;

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
  const size = positions.pageSize;
  // The view is kept by page, not by row: scrolling within the pages in view changes
  // nothing here, so the screen around the table is not drawn again for every row scrolled
  // (the table draws its own rows).
  const [view, setView] = useState<View>(() => top(list, 0));
  // A new query starts at its top, following the store.
  const state = view.list === list ? view : top(list, view.generation);
  const client = useQueryClient();
  // The top of the list comes with its first page where Rust offers both in one answer: the
  // first rows wait for one round trip, not a window and then a page. The page goes where
  // the list reads it.
  const fetchWindow = async (snapshot: number | null): Promise<PositionWindow> => {
    if (snapshot !== null || !positions.openWindow) return positions.fetchWindow(snapshot);
    const { window, firstPage } = await positions.openWindow();
    client.setQueryData(positions.pageKey(window.snapshot, 0), firstPage);
    return window;
  };
  const windowQuery = (snapshot: number | null, on: boolean) => ({ queryKey: positions.windowKey(snapshot), queryFn: () => fetchWindow(snapshot), enabled: on, refetchOnMount: false });
  // A list not yet in the cache is asked for as the screen starts to render (as TanStack's
  // usePrefetchQuery does), not after its first commit: on a first visit the screen's first
  // render took about 400 ms of cold script before the query was sent; now Rust reads
  // meanwhile. The query below then finds the answer on its way.
  if (enabled && client.getQueryState(positions.windowKey(null)) === undefined) void client.prefetchQuery(windowQuery(null, true));
  const latest = useQuery(windowQuery(null, enabled));
  // Pinned, the list starts from the window it was reading (the same snapshot, nothing
  // newer yet) instead of counting it again while the user scrolls: it is asked again when
  // payments change here (the window is under the list's key, which they invalidate).
  const pinnedWindow = useQuery({ ...windowQuery(state.pinned?.snapshot ?? null, enabled && state.pinned !== null), initialData: state.pinned ?? undefined, staleTime: Infinity });
  const current: PositionWindow | undefined = !enabled ? undefined : state.pinned ? (pinnedWindow.data ?? state.pinned) : latest.data;

  const wanted = useMemo(() => {
    if (!current || current.count === 0) return [];
    const last = Math.min(state.lastPage, Math.floor((current.count - 1) / size));
    const out: number[] = [];
    for (let p = state.firstPage; p <= last; p++) out.push(p);
    return out;
  }, [current, state.firstPage, state.lastPage, size]);
  const pages = useQueries({
    queries: current ? wanted.map((p) => ({ queryKey: positions.pageKey(current.snapshot, p), queryFn: () => positions.fetchPage(current.snapshot, p), gcTime: PAGE_GC_MS, refetchOnMount: false })) : [],
  });

  // The loaded rows by their place in the list (only the pages in view: a few hundred rows).
  const loaded = new Map<number, T>();
  wanted.forEach((p, i) => pages[i]?.data?.forEach((row, j) => loaded.set(p * size + j, row)));
  const count = current?.count ?? 0;

  // The pages under a new range are asked for as soon as the table reports it, not after
  // the page around the table has drawn again with the new range (on a loaded machine that
  // redraw took longer than Rust's answer); the page's own queries then find them on their way.
  const asked = useRef({ positions, current, wanted });
  useEffect(() => {
    asked.current = { positions, current, wanted };
  });
  // A visit (or a list asked for again) shows the answers it already has at once, then asks
  // the store again: it may have changed without this screen (a sync, the plan engine, the
  // CLI). The queries do not refetch as they mount (`refetchOnMount: false`): a refetch
  // started while React subscribes to a query hands React a new answer object there, and
  // React then drew the whole payments screen a second time at once (about 50 ms before its
  // first rows on the bench's machine) though nothing on it had changed. An answer from the
  // last second is not asked again (a first visit's, asked as the screen began to render,
  // may be in before the screen commits, when its code or a part of it was still loading);
  // one still on its way is not asked twice (`cancelRefetch: false`).
  useEffect(() => {
    if (!enabled) return;
    const { positions: ps, current: window, wanted: inView } = asked.current;
    const again = { cancelRefetch: false };
    const askedBefore = Date.now() - JUST_ANSWERED_MS;
    const older = (q: Query) => q.state.dataUpdatedAt <= askedBefore;
    void client.refetchQueries({ queryKey: ps.windowKey(null), exact: true, predicate: older }, again);
    // (The first page comes again with the window where Rust offers both in one answer.)
    const pagesAgain = ps.openWindow ? inView.filter((p) => p !== 0) : inView;
    if (window) for (const p of pagesAgain) void client.refetchQueries({ queryKey: ps.pageKey(window.snapshot, p), exact: true, predicate: older }, again);
  }, [client, list, enabled]);
  const onRange = useCallback(
    (first: number, last: number) => {
      const { positions: ps, current: window } = asked.current;
      if (window && window.count > 0) {
        for (let p = Math.floor(first / ps.pageSize); p <= Math.floor(Math.min(last, window.count - 1) / ps.pageSize); p++) {
          void client.ensureQueryData({ queryKey: ps.pageKey(window.snapshot, p), queryFn: () => ps.fetchPage(window.snapshot, p), gcTime: PAGE_GC_MS });
        }
      }
      const firstPage = Math.floor(first / size);
      const lastPage = Math.floor(last / size);
      setView((v) => {
        const s = v.list === list ? v : top(list, v.generation);
        // Scrolled away from the top: keep reading the rows as they are now.
        const pinned = first === 0 ? null : (s.pinned ?? latest.data ?? null);
        if (s.firstPage === firstPage && s.lastPage === lastPage && s.pinned === pinned && v === s) return v;
        return { ...s, firstPage, lastPage, pinned };
      });
    },
    [client, list, latest.data, size],
  );
  const showNewer = useCallback(() => setView((v) => top(list, v.generation + 1)), [list]);

  const queries = [latest, pinnedWindow, ...pages];
  const error = queries.find((q) => q.error)?.error ?? null;
  // Loading is what is missing, not a refetch of rows already shown: TanStack Query re-renders
  // only for the fields read, and reading `isFetching` drew the whole payments screen a
  // second time (about 30 ms) for the refetch every visit starts. After an error, the retry.
  const loading = error ? queries.some((q) => q.isFetching) : (enabled && current === undefined) || pages.some((q) => q.isPending);
  return {
    count,
    rowAt: (i: number) => loaded.get(i),
    newer: state.pinned ? (pinnedWindow.data?.newer ?? 0) : 0,
    loading,
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
