import { Box, Group, Loader, Paper, Text, UnstyledButton } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconArrowsSort } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, type ReactNode } from "react";

export interface VirtualColumn<T> {
  key: string;
  header: string;
  /** A CSS grid track, e.g. `minmax(120px, 1fr)`. */
  width: string;
  render: (row: T) => ReactNode;
  /** Set when the list can be ordered by this column. */
  sortable?: boolean;
}

/** The column a list is ordered by, if the user chose one. */
export interface ColumnSort {
  key: string;
  direction: "asc" | "desc";
}

function SortableHeader({ header, sort, onSort, testId }: { header: string; sort: "asc" | "desc" | null; onSort: () => void; testId: string }) {
  const Icon = sort === "asc" ? IconArrowUp : sort === "desc" ? IconArrowDown : IconArrowsSort;
  return (
    <UnstyledButton onClick={onSort} data-testid={testId} data-sort={sort ?? "none"} style={{ display: "flex", alignItems: "center", gap: 4, minWidth: 0 }}>
      <Text size="xs" fw={600} c={sort ? undefined : "dimmed"} truncate>
        {header}
      </Text>
      <Icon size={12} style={{ flexShrink: 0, opacity: sort ? 1 : 0.4 }} aria-hidden />
    </UnstyledButton>
  );
}

const ROW_HEIGHT = 40;
const CELL = { minWidth: 0 };

/**
 * A table that renders only the rows in view, so a list of 100,000 scrolls smoothly, and
 * asks for the next page when the user nears the end (keyset pages from the store).
 */
export function VirtualTable<T>({
  rows,
  columns,
  rowKey,
  onOpen,
  onNearEnd,
  loading,
  footer,
  empty,
  testId,
  sort,
  onSort,
  listVersion,
  count,
  rowAt,
  onRange,
}: {
  /** The rows, or (with `count` and `rowAt`) the loaded part of a list read by position. */
  rows: T[];
  columns: VirtualColumn<T>[];
  rowKey: (row: T) => string;
  onOpen?: (row: T) => void;
  onNearEnd: () => void;
  loading: boolean;
  footer: ReactNode;
  empty: ReactNode;
  testId: string;
  sort?: ColumnSort | null;
  /** A sortable header was pressed. */
  onSort?: (key: string) => void;
  /** Changes when the list starts again (another query or order): back to the top. */
  listVersion?: string | number;
  /** A list read by position: its length, and its rows by place (undefined: not loaded yet). */
  count?: number;
  rowAt?: (index: number) => T | undefined;
  /** The places drawn (the visible rows and a few either side), whenever they change. */
  onRange?: (first: number, last: number) => void;
}) {
  const length = count ?? rows.length;
  const at = rowAt ?? ((i: number) => rows[i]);
  const scrollRef = useRef<HTMLDivElement>(null);
  // The virtualizer re-renders the visible rows itself; the compiler must not memoize it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // A few rows either side of the view: a row drawn costs the first paint of every list,
    // and rows out of view only matter to a scroll faster than a frame.
    overscan: 4,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  const first = items[0];
  useEffect(() => {
    if (last && last.index >= length - 40) onNearEnd();
  }, [last, length, onNearEnd]);
  useEffect(() => {
    if (onRange) onRange(first?.index ?? 0, last?.index ?? 0);
  }, [first?.index, last?.index, onRange]);
  const template = columns.map((c) => c.width).join(" ");
  useEffect(() => {
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [listVersion]);

  return (
    <Paper withBorder radius="md" style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }} role="table" aria-rowcount={length}>
      <Box role="row" px="sm" py={8} style={{ display: "grid", gridTemplateColumns: template, gap: 12, borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
        {columns.map((c) => {
          const dir = sort?.key === c.key ? sort.direction : null;
          const ariaSort = dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none";
          return c.sortable && onSort ? (
            <div key={c.key} role="columnheader" aria-sort={ariaSort} style={{ minWidth: 0 }}>
              <SortableHeader header={c.header} sort={dir} onSort={() => onSort(c.key)} testId={`${testId}-sort-${c.key}`} />
            </div>
          ) : (
            <Text key={c.key} role="columnheader" size="xs" fw={600} c="dimmed" truncate>
              {c.header}
            </Text>
          );
        })}
      </Box>
      <div ref={scrollRef} style={{ flex: 1, overflow: "auto" }} data-testid={`${testId}-rows`}>
        {length === 0 && !loading ? (
          <Box p="xl">{empty}</Box>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((v) => {
              const row = at(v.index);
              if (row === undefined) return null;
              return (
                <div
                  key={rowKey(row)}
                  role="row"
                  data-testid={`${testId}-row`}
                  data-key={rowKey(row)}
                  onClick={onOpen ? () => onOpen(row) : undefined}
                  style={{
                    position: "absolute",
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${v.start}px)`,
                    display: "grid",
                    gridTemplateColumns: template,
                    gap: 12,
                    alignItems: "center",
                    cursor: onOpen ? "pointer" : undefined,
                    borderBottom: "1px solid var(--mantine-color-gray-1)",
                    paddingInline: "var(--mantine-spacing-sm)",
                  }}
                >
                  {columns.map((c) => (
                    <div key={c.key} role="cell" style={CELL}>
                      {c.render(row)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
      <Group px="sm" py={6} justify="space-between" style={{ borderTop: "1px solid var(--mantine-color-gray-3)" }}>
        {footer}
        {loading && <Loader size="xs" />}
      </Group>
    </Paper>
  );
}
