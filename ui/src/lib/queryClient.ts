import { MutationCache, QueryClient } from "@tanstack/react-query";
import { errorCode } from "./ipc";
import { notifyError } from "./notify";

declare module "@tanstack/react-query" {
  interface Register {
    mutationMeta: {
      /**
       * The screen shows this mutation's error itself (an ErrorAlert, or on a form's
       * fields); otherwise a failed mutation is told in a notification, never lost.
       */
      inlineError?: boolean;
    };
  }
}

/**
 * The app's cache of command answers. Everything is on this machine, over IPC:
 * - `networkMode: "always"`: the browser's idea of being offline says nothing about Rust;
 * - no refetch on window focus (switching windows must not start a storm of commands);
 * - an error with Rust's code is an answer, not a flake: only something that never got
 *   an answer (code `unknown`) is tried again, once; mutations never are (money moves
 *   once: a retry is always a person's decision, with the same intent).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        if (!mutation.meta?.inlineError) notifyError(error);
      },
    }),
    defaultOptions: {
      queries: {
        networkMode: "always",
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        // A screen's answers are kept a minute after it is left (TanStack's default is five):
        // going back soon shows them at once, and the pages of a long list a person has
        // scrolled through do not stay in the webview's memory for the rest of the session.
        gcTime: 60_000,
        retry: (failures, error) => failures < 1 && errorCode(error) === "unknown",
      },
      mutations: { networkMode: "always", retry: false },
    },
  });
}
