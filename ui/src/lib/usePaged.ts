import { useCallback, useEffect, useRef, useState } from "react";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Keyset paging over a store list: `fetchPage` changes whenever the query does, which
 * starts again from the top; answers to an older query are dropped, never mixed in.
 */
export function usePaged<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, onError: (e: unknown) => void) {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  // Counts the first pages shown: a list that starts again is shown from its top.
  const [listVersion, setListVersion] = useState(0);
  const generation = useRef(0);

  useEffect(() => {
    const gen = ++generation.current;
    fetchPage(null)
      .then((page) => {
        if (gen !== generation.current) return;
        setRows(page.items);
        setCursor(page.next_cursor);
        setListVersion((v) => v + 1);
      })
      .catch((e: unknown) => gen === generation.current && onError(e))
      .finally(() => gen === generation.current && setLoading(false));
  }, [fetchPage, onError, reloads]);

  const loadMore = useCallback(() => {
    if (loading || !cursor) return;
    const gen = generation.current;
    setLoading(true);
    fetchPage(cursor)
      .then((page) => {
        if (gen !== generation.current) return;
        setRows((r) => [...r, ...page.items]);
        setCursor(page.next_cursor);
      })
      .catch(onError)
      .finally(() => setLoading(false));
  }, [cursor, loading, fetchPage, onError]);

  const reload = useCallback(() => {
    setLoading(true);
    setReloads((n) => n + 1);
  }, []);

  return { rows, loading, setLoading, loadMore, reload, hasMore: cursor !== null, listVersion };
}
