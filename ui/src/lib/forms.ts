import type { UseFormReturnType } from "@mantine/form";
import type { TFunction } from "i18next";
import { errorText, toIpcError } from "./errors";

/** A field Rust refused: the one in `details.field`, or each of `details.problems`. */
export interface RustFieldError {
  field: string;
  /** The problem's own code (`details.problems[].code`), when Rust names one per field. */
  problem: string | null;
}

export function rustFieldErrors(e: unknown): RustFieldError[] {
  const details = toIpcError(e).details;
  if (!details || typeof details !== "object" || Array.isArray(details)) return [];
  if (typeof details.field === "string") return [{ field: details.field, problem: null }];
  if (!Array.isArray(details.problems)) return [];
  return details.problems.flatMap((p) =>
    p && typeof p === "object" && !Array.isArray(p) && typeof p.field === "string" ? [{ field: p.field, problem: typeof p.code === "string" ? p.code : null }] : [],
  );
}

/**
 * Puts Rust's refusal on the form's fields it names (Rust decides; the form only shows
 * where). `fields` are the form fields Rust's names map to (default: every field the
 * form has, under the same name). Returns false when no field was named: the caller
 * shows the error as a whole (an ErrorAlert).
 */
export interface FieldOptions {
  /** The form fields Rust's field names stand for (default: all of the form's). */
  fields?: readonly string[];
  /** The text of a per-field problem code (`details.problems[].code`). */
  problemText?: (problem: string) => string;
  /**
   * The form's own words for a field Rust refused (what the field must be), when it has
   * them; otherwise the translation of Rust's code is shown under the field.
   */
  fieldText?: Partial<Record<string, string>>;
  /** Rust's name → the form's, where they differ (e.g. a first charge's `amount`). */
  rename?: Partial<Record<string, string>>;
}

/** Rust's field errors that land on one of the form's fields, under the form's names. */
function placed<V extends object>(form: UseFormReturnType<V>, e: unknown, options: FieldOptions): RustFieldError[] {
  const fields = options.fields ?? Object.keys(form.getValues());
  return rustFieldErrors(e)
    .map((f) => ({ ...f, field: options.rename?.[f.field] ?? f.field }))
    .filter((f) => fields.includes(f.field));
}

export function showRustFieldErrors<V extends object>(form: UseFormReturnType<V>, e: unknown, t: TFunction, options: FieldOptions = {}): boolean {
  const named = placed(form, e, options);
  if (named.length === 0) return false;
  const errors: Record<string, string> = {};
  for (const f of named) {
    errors[f.field] = f.problem && options.problemText ? options.problemText(f.problem) : (options.fieldText?.[f.field] ?? errorText(t, e));
  }
  form.setErrors(errors);
  return true;
}

/** The error to show for the form as a whole: null when it is shown on the form's fields. */
export function formError<V extends object>(form: UseFormReturnType<V>, e: unknown, options: FieldOptions = {}): unknown {
  if (e === null || e === undefined) return null;
  return placed(form, e, options).length > 0 ? null : e;
}

// The hints a form adds before Rust sees the input: presence and format, nothing Rust decides.

/** A value must be there (text not blank). */
export const required = (t: TFunction) => (value: unknown) => ((typeof value === "string" ? value.trim() === "" : value == null) ? t("formErrors.required") : null);
