import type { CSSProperties, ReactNode } from "react";

const BASE: CSSProperties = {
  display: "block",
  fontSize: "var(--mantine-font-size-sm)",
  lineHeight: "var(--mantine-line-height-sm)",
  overflow: "hidden",
  textOverflow: "ellipsis",
  whiteSpace: "nowrap",
};
const STYLES = new Map<string, CSSProperties>();

/** The style for one kind of cell, made once: the rows share it. */
function styleOf(align: "left" | "right", mono: boolean, color: string | undefined): CSSProperties {
  const key = `${align}|${mono}|${color ?? ""}`;
  let style = STYLES.get(key);
  if (!style) {
    style = { ...BASE, textAlign: align, fontFamily: mono ? "var(--mantine-font-family-monospace)" : undefined, color: color ? `var(--mantine-color-${color})` : undefined };
    STYLES.set(key, style);
  }
  return style;
}

/**
 * One line of text in a table cell, cut with an ellipsis, as Mantine's `<Text size="sm"
 * truncate>` draws it but as a plain element. A list draws a few hundred cells at once and
 * Mantine's Text resolves its props, theme and class names for each: the rows were most of
 * the payments screen's first render (58 of 77 ms in React's profiler, 2 cores).
 */
export function CellText({ children, align = "left", mono = false, color, title }: { children: ReactNode; align?: "left" | "right"; mono?: boolean; /** A Mantine colour variable's name, e.g. `orange-text` or `dimmed`. */ color?: string; title?: string }) {
  return (
    <span style={styleOf(align, mono, color)} title={title}>
      {children}
    </span>
  );
}
