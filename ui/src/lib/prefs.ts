// Small UI preferences (which columns a list shows) kept in the webview's local storage,
// which lives in the app's data folder. Nothing here is sensitive.

export function loadPref<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(`subdesk.${key}`);
    if (raw === null) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return valid(parsed) ? parsed : fallback;
  } catch {
    return fallback;
  }
}

export function savePref(key: string, value: unknown): void {
  try {
    localStorage.setItem(`subdesk.${key}`, JSON.stringify(value));
  } catch {
    // A full or disabled storage only loses the preference.
  }
}
