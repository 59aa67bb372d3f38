import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { commands, type AppStatus, type Language, type Settings } from "./bindings";
import type { Lang } from "./i18n";
import { errorText } from "./lib/errors";

interface AppContextValue {
  status: AppStatus;
  settings: Settings;
  lang: Lang;
  setLanguage: (language: Language) => Promise<void>;
  setTimeZone: (timeZone: string) => Promise<void>;
  refresh: () => Promise<void>;
}

const Ctx = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(Ctx);
  if (!value) throw new Error("useApp outside AppProvider");
  return value;
}

type Load = { kind: "loading" } | { kind: "error"; error: unknown } | { kind: "ready"; status: AppStatus; settings: Settings };

/** Loads what every screen needs (profile, settings) before showing any of them. */
export function AppProvider({ children, fallback }: { children: ReactNode; fallback: (state: { error?: string; retry: () => void }) => ReactNode }) {
  const { t, i18n } = useTranslation();
  const [load, setLoad] = useState<Load>({ kind: "loading" });

  const fetchState = useCallback(async (): Promise<Load> => {
    try {
      const [status, settings] = await Promise.all([commands.appStatus(), commands.getSettings()]);
      await i18n.changeLanguage(settings.language);
      return { kind: "ready", status, settings };
    } catch (error) {
      return { kind: "error", error };
    }
  }, [i18n]);

  const refresh = useCallback(async () => setLoad(await fetchState()), [fetchState]);

  useEffect(() => {
    void fetchState().then(setLoad);
  }, [fetchState]);

  const value = useMemo<AppContextValue | null>(() => {
    if (load.kind !== "ready") return null;
    return {
      status: load.status,
      settings: load.settings,
      lang: load.settings.language,
      setLanguage: async (language) => {
        const settings = await commands.setLanguage(language);
        await i18n.changeLanguage(settings.language);
        setLoad({ ...load, settings });
      },
      setTimeZone: async (timeZone) => {
        const settings = await commands.setTimeZone(timeZone);
        setLoad({ ...load, settings });
      },
      refresh,
    };
  }, [load, i18n, refresh]);

  useEffect(() => {
    document.documentElement.lang = value?.lang ?? "ko";
  }, [value?.lang]);

  if (load.kind === "loading") return <>{fallback({ retry: () => void refresh() })}</>;
  if (load.kind === "error" || !value) {
    const error = load.kind === "error" ? errorText(t, load.error) : undefined;
    return <>{fallback({ error, retry: () => void refresh() })}</>;
  }
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
