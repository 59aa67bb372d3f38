#!/usr/bin/env bash
# Every check `make test` runs, in order. Each stage runs even when an earlier one failed,
# so one run shows everything that is wrong; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=()
failed=()
stage() {
  local name=$1; shift
  echo
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    passed+=("$name")
    echo "--- $name: ok ($((SECONDS - start)) s)"
  else
    failed+=("$name")
    echo "--- $name: FAILED ($((SECONDS - start)) s)"
  fi
}

# A private home and a real Secret Service (gnome-keyring) on a private session bus, so
# tests never touch the user's files or keyring.
export TEST_HOME
TEST_HOME=$(mktemp -d)
# A PostgreSQL server of the tests' own on loopback, for the shared store (team mode);
# the tests that need it fail rather than skip when it is missing.
source scripts/postgres-test.sh
trap 'postgres_stop; rm -rf "$TEST_HOME"' EXIT
postgres_start || echo "PostgreSQL did not start: the shared store's tests will fail"
export SUBDESK_REQUIRE_POSTGRES=1
# The toolchain stays where it is installed: its homes are taken before HOME changes.
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_HOME RUSTUP_HOME
with_keyring() {
  HOME="$TEST_HOME" XDG_DATA_HOME="$TEST_HOME/data" XDG_CONFIG_HOME="$TEST_HOME/config" \
    dbus-run-session -- bash -c 'echo -n ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"' _ "$@"
}

ui_build() { (cd ui && npm run build); }
ui_typecheck() { (cd ui && npx tsc -b --noEmit); }
ui_lint() { (cd ui && npx eslint . --max-warnings 0); }
ui_unit() { (cd ui && npx vitest run); }
# The CLI too: the E2E drives it against the running app.
app_build() { cargo build -p subdesk -p subdesk-cli --features subdesk/custom-protocol; }
e2e() { bash tests/e2e/run.sh; }

stage "ui build" ui_build
stage "rustfmt" cargo fmt --all -- --check
# The app's custom-protocol feature is on for clippy and tests too, so that all three
# builds share one compiled Tauri instead of building it twice.
stage "clippy" cargo clippy --workspace --all-targets --features subdesk/custom-protocol -- -D warnings
stage "rust tests (incl. bindings staleness)" with_keyring cargo test --workspace --features subdesk/custom-protocol
stage "ui typecheck" ui_typecheck
stage "ui lint" ui_lint
stage "ui unit tests" ui_unit
stage "app build" app_build
stage "e2e (WebKit, tauri-driver, Xvfb)" e2e
# Last: the release .deb, installed with dpkg, started from /usr/bin under Xvfb, removed.
stage "package (.deb built, installed, started, removed)" bash scripts/package-test.sh

echo
for s in "${passed[@]}"; do echo "  ok      $s"; done
for s in "${failed[@]}"; do echo "  FAILED  $s"; done
echo "make test: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
