#!/usr/bin/env bash
# `make package`: the release .deb through Tauri's bundler (the @tauri-apps/cli already in
# ui/'s devDependencies, so nothing more to install), with subdesk-cli beside the app in
# /usr/bin. Built with the `deb` cargo profile (see Cargo.toml). Prints the .deb's path.
#
# `--debug` packages the debug build instead (the one `make app` and the E2E use, so it is
# already compiled): the same bundler configuration, files and dependencies, minus a
# second full compile of Tauri in release mode. `make test` checks the packaging that way
# (scripts/package-test.sh); the figures of the release package are `make package`'s.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "${1:-}" = "--debug" ]; then
  # The same build as `make app` (nothing to do when it is current), then the bundler alone.
  profile=debug
  cargo build -p subdesk -p subdesk-cli --features subdesk/custom-protocol >&2
  bundle=(bundle --debug)
else
  profile=deb
  # The CLI first: the bundler copies it into the package from the same target dir.
  cargo build --profile "$profile" -p subdesk-cli >&2
  bundle=(build -- --profile "$profile")
fi
cli="$target/$profile/subdesk-cli"
overlay=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/subdesk-cli":"%s"}}}}}' "$cli")
# (`tauri build` takes its cargo arguments after `--`, so the bundle list comes first.)
ui/node_modules/.bin/tauri "${bundle[0]}" --bundles deb --config "$overlay" "${bundle[@]:1}" >&2
ls -t "$target/$profile/bundle/deb/"*.deb | head -1
