import { useCallback, useEffect, useState } from "react";

export type LoadState<T> = { kind: "loading" } | { kind: "error"; error: unknown } | { kind: "ready"; data: T };

/**
 * Runs `load` once per `key` (e.g. the active profile) and on `retry`. `load` must be
 * stable (a module-level function such as `commands.pgChannels`).
 */
export function useLoad<T>(load: () => Promise<T>, key: string): [LoadState<T>, () => void] {
  const [nonce, setNonce] = useState(0);
  const [result, setResult] = useState<{ tag: string; value: LoadState<T> } | null>(null);
  const tag = `${key}#${nonce}`;
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ tag, value: { kind: "ready", data } }),
      (error: unknown) => live && setResult({ tag, value: { kind: "error", error } }),
    );
    return () => {
      live = false;
    };
  }, [load, tag]);
  const retry = useCallback(() => setNonce((n) => n + 1), []);
  return [result?.tag === tag ? result.value : { kind: "loading" }, retry];
}

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
