import type { AppStatus, Customer, Mode, ProfileView } from "../bindings";

export function customer(uid: string, name: string): Customer {
  return {
    customer_uid: uid,
    pg_provider: "nice",
    pg_id: null,
    card_name: "신한카드",
    card_number: "4512-34**-****-1111",
    card_last4: "1111",
    card_type: 0,
    customer_name: name,
    customer_tel: null,
    customer_email: null,
    customer_addr: null,
    customer_postcode: null,
    sandbox: true,
    issued_at: 1_700_000_000,
    updated_at: null,
    key_status: "active",
    last_verified_at: null,
    notes: "",
    tags: [],
    created_local_at: 1_700_000_000,
  };
}

export function profile(id: string, name: string, mode: Mode = "sandbox"): ProfileView {
  return { id, name, mode, base_url: "http://127.0.0.1:1", time_zone: "Asia/Seoul", read_only: false };
}

/** What `app_status` answers with `active` open among `profiles`. */
export function appStatus(active: ProfileView, profiles: ProfileView[] = [active]): AppStatus {
  return {
    version: "0",
    active_profile: active,
    profiles,
    sandbox_url: null,
    session_error: null,
    lock: { enabled: false, locked: false, settings: { open_live_profile: true, move_money: true, mutate: false } },
  };
}

export const SETTINGS = { language: "ko", time_zone: "Asia/Seoul", time_zones: ["Asia/Seoul", "UTC"] } as const;

/** An answer the test gives when it chooses: what a slow Rust side looks like. */
export function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * jsdom lays nothing out, so a virtual table draws no rows; a scroll box with a height
 * lets the virtualizer draw the rows a user would see. Returns the undo.
 */
export function giveScrollBoxesHeight(height = 800): () => void {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => height });
  return () => {
    if (original) Object.defineProperty(HTMLElement.prototype, "clientHeight", original);
  };
}
