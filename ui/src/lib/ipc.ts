import type { IpcError } from "../bindings";
import { toIpcError, type ShownError } from "./errors";

/**
 * A command's refusal as a thrown value: the `{code, message, details}` Rust sent, and an
 * `Error` so that TanStack Query, `catch` and stack traces all treat it as one.
 */
export class CommandError extends Error implements ShownError {
  readonly code: ShownError["code"];
  readonly details: IpcError["details"];

  constructor(error: ShownError) {
    super(error.message);
    this.name = "CommandError";
    this.code = error.code;
    this.details = error.details;
  }
}

/** The two shapes tauri-specta can give a command's answer: the value, or a tagged result. */
type Tagged<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };
type Unwrapped<R> = R extends { status: "ok"; data: infer D } ? D : R extends { status: "error"; error: unknown } ? never : R;

function isTagged(v: unknown): v is Tagged<unknown> {
  if (!v || typeof v !== "object") return false;
  const keys = Object.keys(v);
  const tag = (v as { status?: unknown }).status;
  return keys.length === 2 && ((tag === "ok" && "data" in v) || (tag === "error" && "error" in v));
}

/**
 * The one adapter between a generated command and its callers: the command's data, or a
 * thrown `CommandError`. Bindings generated with plain errors reject with the IPC error;
 * bindings generated with typed errors resolve to `{status, data | error}`: both end here
 * the same way, so queries and mutations never look at either shape.
 */
export async function call<R>(command: Promise<R>): Promise<Unwrapped<R>> {
  let answer: R;
  try {
    answer = await command;
  } catch (e) {
    throw e instanceof CommandError ? e : new CommandError(toIpcError(e));
  }
  if (isTagged(answer)) {
    if (answer.status === "error") throw new CommandError(toIpcError(answer.error));
    return answer.data as Unwrapped<R>;
  }
  return answer as Unwrapped<R>;
}

/** The code of whatever was thrown: Rust's, or `unknown` when it never reached Rust. */
export function errorCode(e: unknown): string {
  return toIpcError(e).code;
}
