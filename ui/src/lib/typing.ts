/**
 * How long a search box waits after a key before it asks Rust. The store answers a search
 * in under 20 ms at a million rows (`make bench`), so the list can follow every key: the
 * wait only folds keys typed in one burst (and an IME's composition steps) into one query.
 */
export const TYPING_SETTLE_MS = 60;
