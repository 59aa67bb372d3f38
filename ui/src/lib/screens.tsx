import { lazy, type ComponentType } from "react";

/**
 * Every screen but the dashboard (the first one) is loaded apart from the start-up script:
 * at start-up the webview parses 0.98 MB of script instead of 1.6 MB. Their code is then
 * fetched at idle once the dashboard is up (`preloadScreens`), so a screen opened later
 * renders at once; one opened before that suspends and the shell shows a loader meanwhile
 * (Shell.tsx).
 */
const preloads: (() => Promise<unknown>)[] = [];
export function screen<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  let loaded: ComponentType | undefined;
  let loading: Promise<ComponentType> | undefined;
  const fetchCode = () =>
    (loading ??= load().then(
      (module) => (loaded = module[name]),
      (error: unknown) => {
        loading = undefined; // a failed preload leaves the fetch to the first visit
        throw error;
      },
    ));
  const Lazy = lazy(() => fetchCode().then((component) => ({ default: component })));
  preloads.push(fetchCode);
  // Loaded code is rendered as it is: a lazy component suspends on its first render even
  // when its code is already there, and a navigation outside a transition (App.tsx) would
  // then show the loader and keep it up for React's 300 ms before revealing the screen.
  return function Screen() {
    const Loaded = loaded;
    return Loaded ? <Loaded /> : <Lazy />;
  };
}

/** Fetches every screen's code one after another (errors are left to the visit). */
export async function preloadScreens(): Promise<void> {
  for (const fetchCode of preloads) await fetchCode().catch(() => undefined);
}
