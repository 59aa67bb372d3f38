import { useCallback, useState } from "react";

/** Selects an element's text so the user can copy it by hand. */
export function selectContents(el: HTMLElement) {
  const selection = window.getSelection();
  if (!selection) return;
  const range = document.createRange();
  range.selectNodeContents(el);
  selection.removeAllRanges();
  selection.addRange(range);
}

export type CopyState = "idle" | "copied" | "failed";

/** Copies through the clipboard API; when the webview refuses, selects `fallback`'s text. */
export function useCopy(): [CopyState, (text: string, fallback: HTMLElement | null) => Promise<CopyState>] {
  const [state, setState] = useState<CopyState>("idle");
  const copy = useCallback(async (text: string, fallback: HTMLElement | null) => {
    let next: CopyState;
    try {
      await navigator.clipboard.writeText(text);
      next = "copied";
    } catch {
      if (fallback) selectContents(fallback);
      next = "failed";
    }
    setState(next);
    return next;
  }, []);
  return [state, copy];
}
