import { hashKey, useInfiniteQuery, type InfiniteData, type QueryKey, type UseInfiniteQueryOptions } from "@tanstack/react-query";
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
  const query = useInfiniteQuery(options);
  const { data, hasNextPage, isFetching, fetchNextPage } = query;
  const rows = useMemo(() => data?.pages.flatMap((p) => p.items) ?? [], [data]);
  const loadMore = useCallback(() => {
    // One page at a time: the table asks on every scroll step near the end.
    if (hasNextPage && !isFetching) void fetchNextPage();
  }, [hasNextPage, isFetching, fetchNextPage]);
  return { rows, loading: isFetching, loadMore, hasMore: hasNextPage, listVersion: hashKey(options.queryKey), error: query.error, refetch: query.refetch, drawn: data !== undefined };
}
