//! Checks the OS keyring the way the app uses it, without touching real entries unless
//! asked. Prints one line; exit code 0 on success.
//!
//! ```sh
//! cargo run -p subdesk-profiles --example keyring_probe -- check
//! cargo run -p subdesk-profiles --example keyring_probe -- status <profile_id>
//! ```

use subdesk_profiles::{CredentialStore, Mode, Profile};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let store = CredentialStore::new();
    let result = match args.first().map(String::as_str) {
        Some("check") => store
            .check_available()
            .map(|()| "keyring available".to_owned()),
        Some("status") => {
            let mut p = Profile::sandbox(0);
            p.id = args.get(1).cloned().unwrap_or_default();
            p.mode = Mode::Test;
            store.status(&p).map(|s| {
                format!(
                    "imp_key set: {}, imp_secret set: {}",
                    s.imp_key_set, s.imp_secret_set
                )
            })
        }
        _ => {
            eprintln!("usage: keyring_probe check | status <profile_id>");
            std::process::exit(2);
        }
    };
    match result {
        Ok(line) => println!("{line}"),
        Err(e) => {
            println!("{}: {e}", e.code());
            std::process::exit(1);
        }
    }
}
