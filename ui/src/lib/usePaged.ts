import { hashKey, useInfiniteQuery, useQueryClient, type InfiniteData, type QueryKey, type UseInfiniteQueryOptions } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * A keyset-paged store list for a VirtualTable: the rows loaded so far, the next page when
 * the user nears the end, and `listVersion`, which changes when the list starts again (a
 * new query or order: the table goes back to its top; a refetch of the same list does not).
 */
export function usePaged<T, K extends QueryKey>(options: UseInfiniteQueryOptions<Page<T>, Error, InfiniteData<Page<T>, string | null>, K, string | null>) {
  // A list not yet in the cache is asked for as its screen starts to render (as TanStack's
  // usePrefetchQuery does), not after the screen's commit: each key of a search is sent to
  // Rust while the screen draws the text typed.
  const client = useQueryClient();
  if (options.enabled !== false && client.getQueryState(options.queryKey) === undefined) void client.prefetchInfiniteQuery(options);
  const query = useInfiniteQuery(options);
  const { data, hasNextPage, fetchNextPage } = query;
  const rows = useMemo(() => data?.pages.flatMap((p) => p.items) ?? [], [data]);
  // One page at a time: the table asks on every scroll step near the end, and a page (or
  // a refetch) on its way is not asked for again (`cancelRefetch: false`).
  // During a refetch of the pages shown TanStack Query hands back that refetch instead of
  // the next page; the next page is then asked for once it is done (the table, already at
  // the end, may not ask again before the user scrolls).
  const shownPages = data?.pages.length ?? 0;
  const loadMore = useCallback(() => {
    if (!hasNextPage) return;
    void fetchNextPage({ cancelRefetch: false }).then((after) => {
      if (after.hasNextPage && (after.data?.pages.length ?? 0) <= shownPages) void fetchNextPage({ cancelRefetch: false });
    });
  }, [hasNextPage, fetchNextPage, shownPages]);
  // Loading is what is missing (the first page, the next one), not a refetch of the rows
  // shown: TanStack Query re-renders for the fields read, and a refetch would draw the whole
  // screen again for a loader. After an error, the retry.
  const loading = query.error ? query.isFetching : query.isLoading || query.isFetchingNextPage;
  return { rows, loading, loadMore, hasMore: hasNextPage, listVersion: hashKey(options.queryKey), error: query.error, refetch: query.refetch, drawn: data !== undefined };
}
