#!/usr/bin/env bash
# `make package`: the release .deb through Tauri's bundler (the @tauri-apps/cli already in
# ui/'s devDependencies, so nothing more to install), with subdesk-cli beside the app in
# /usr/bin. Built with the `deb` cargo profile (see Cargo.toml). Prints the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
profile=deb
# The CLI first: the bundler copies it into the package from the same target dir.
cargo build --profile "$profile" -p subdesk-cli >&2
cli="$target/$profile/subdesk-cli"
overlay=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/subdesk-cli":"%s"}}}}}' "$cli")
ui/node_modules/.bin/tauri build --bundles deb --config "$overlay" -- --profile "$profile" >&2
ls -t "$target/$profile/bundle/deb/"*.deb | head -1
