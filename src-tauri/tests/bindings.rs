//! Fails when ui/src/bindings.ts no longer matches the Rust command registry.
//! Run `make bindings` (UPDATE_BINDINGS=1 cargo test -p subdesk --test bindings) to refresh it.

use std::path::PathBuf;

#[test]
fn committed_bindings_match_the_command_registry() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let generated = subdesk_lib::bindings::render().expect("render bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("write bindings");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/bindings.ts is stale: run `make bindings` and commit the result"
    );
}
