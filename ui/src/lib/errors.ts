import type { TFunction } from "i18next";
import type { IpcError } from "../bindings";

/** Whatever a command threw, as the one error shape Rust sends. */
export function toIpcError(e: unknown): IpcError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const { code, message, details } = e as { code: unknown; message: unknown; details?: unknown };
    if (typeof code === "string" && typeof message === "string") {
      return { code, message, details: (details ?? null) as IpcError["details"] };
    }
  }
  return { code: "unknown", message: e instanceof Error ? e.message : String(e), details: null };
}

/** The user's-language text for an error: the translation of its code, else its message. */
export function errorText(t: TFunction, e: unknown): string {
  const err = toIpcError(e);
  const key = `errors.${err.code}`;
  return t(key, { message: err.message, defaultValue: t("errors.unknown", { message: err.message }) });
}
