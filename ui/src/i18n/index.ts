import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import ko from "./ko";
import en from "./en";

export type Lang = "ko" | "en";

export const resources = { ko: { translation: ko }, en: { translation: en } } as const;

// Korean first: the default and the fallback.
void i18n.use(initReactI18next).init({
  resources,
  lng: "ko",
  fallbackLng: "ko",
  interpolation: { escapeValue: false },
  returnNull: false,
  // Resources are bundled, so nothing ever loads: no Suspense boundary is needed.
  react: { useSuspense: false },
});

export default i18n;
