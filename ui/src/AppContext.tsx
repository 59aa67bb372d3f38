import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AppStatus, type Language, type Settings } from "./bindings";
import type { Lang } from "./i18n";
import { call } from "./lib/ipc";
import { APP, keys, settingsQuery, statusQuery } from "./lib/queries";

interface AppContextValue {
  status: AppStatus;
  settings: Settings;
  lang: Lang;
  /** The active profile's id: the first part of every query key of its data. */
  profileId: string;
  /** The active profile's time zone: every time on every screen is shown in it. */
  zone: string;
  setLanguage: (language: Language) => void;
  /**
   * Asks Rust again for what the shell shows (the active profile, the lock, the list) and,
   * since a switch, an unlock or a recovery changes every answer, for whatever is on screen.
   */
  refresh: () => Promise<void>;
}

const Ctx = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(Ctx);
  if (!value) throw new Error("useApp outside AppProvider");
  return value;
}

/** Loads what every screen needs (profile, settings) before showing any of them. */
export function AppProvider({ children, fallback }: { children: ReactNode; fallback: (state: { error?: unknown; retry: () => void }) => ReactNode }) {
  const { i18n } = useTranslation();
  const client = useQueryClient();
  const status = useQuery(statusQuery());
  const settings = useQuery(settingsQuery(i18n));

  const refresh = useCallback(async () => {
    // The shell's answers first: once they say which profile is active, only that profile's
    // answers are asked again (a profile left is dropped below, never refetched: Rust would
    // answer for the new one under the old one's key).
    await client.invalidateQueries({ queryKey: keys.app() });
    const active = client.getQueryData(statusQuery().queryKey)?.active_profile.id;
    if (active !== undefined) await client.invalidateQueries({ queryKey: keys.profile(active) });
  }, [client]);

  const language = useMutation({
    mutationFn: (language: Language) => call(commands.setLanguage(language)),
    onSuccess: async (next) => {
      await i18n.changeLanguage(next.language);
      client.setQueryData(keys.settings(), next);
    },
  });

  const profileId = status.data?.active_profile.id;
  // Rust acts on whichever profile is active, so an answer that arrived while the switch
  // was under way may sit under the previous profile's key: the profile left keeps nothing.
  useEffect(() => {
    if (profileId === undefined) return;
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== APP && q.queryKey[0] !== profileId });
  }, [client, profileId]);

  // A reading desk's copy replaced (by the schedule, or the button): every answer on
  // screen was the old copy's.
  const refreshedAt = status.data?.reading?.copy.refreshed_at ?? null;
  // undefined: not seen yet (the first answer after start changes nothing on screen).
  const seenRefresh = useRef<number | null | undefined>(undefined);
  useEffect(() => {
    const before = seenRefresh.current;
    seenRefresh.current = refreshedAt;
    if (profileId === undefined || before === undefined || before === refreshedAt) return;
    void client.invalidateQueries({ queryKey: keys.profile(profileId) });
  }, [client, profileId, refreshedAt]);

  const setLanguage = language.mutate;
  const value = useMemo<AppContextValue | null>(() => {
    if (!status.data || !settings.data) return null;
    return {
      status: status.data,
      settings: settings.data,
      lang: settings.data.language,
      profileId: status.data.active_profile.id,
      zone: status.data.active_profile.time_zone,
      setLanguage,
      refresh,
    };
  }, [status.data, settings.data, setLanguage, refresh]);

  useEffect(() => {
    document.documentElement.lang = value?.lang ?? "ko";
  }, [value?.lang]);

  if (!value) {
    const failed = status.error ?? settings.error;
    const retry = () => void refresh();
    return <>{fallback(failed ? { error: failed, retry } : { retry })}</>;
  }
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
