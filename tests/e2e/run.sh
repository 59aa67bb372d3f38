#!/usr/bin/env bash
# E2E: the real app binary in WebKit (WebKitWebDriver via tauri-driver), under Xvfb, with a
# private D-Bus session running an unlocked gnome-keyring, and a private home so nothing
# of the machine's own data is touched. Screenshots land in tests/e2e/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# The binaries of the build that cargo made: its CARGO_TARGET_DIR when one is set.
target="${CARGO_TARGET_DIR:-$root/target}"
export APP="$target/debug/subdesk"
# The security spec drives the CLI against the running app's data folder.
export CLI="$target/debug/subdesk-cli"
export TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}"
[ -x "$APP" ] || { echo "missing $APP: run 'make app' first"; exit 1; }
[ -x "$CLI" ] || { echo "missing $CLI: run 'make app' first"; exit 1; }
[ -x "$TAURI_DRIVER" ] || { echo "missing tauri-driver: run 'make deps-test'"; exit 1; }

e2e_home=$(mktemp -d)
trap 'rm -rf "$e2e_home"' EXIT
mkdir -p "$here/artifacts" "$e2e_home/exports"
export E2E_HOME="$e2e_home" E2E_ARTIFACTS="$here/artifacts"
# Pictures of an earlier run's failures would read as this run's.
rm -f "$here"/artifacts/FAILED-*.png
# An app that outlives its session is written here (wdio.conf.mjs) and fails the run.
export E2E_LINGERING="$e2e_home/lingering.txt"
: >"$E2E_LINGERING"
# The app's save dialog cannot be typed into here: a debug build saves exports under their
# suggested names in this folder instead (src-tauri/src/dialogs.rs).
export SUBDESK_E2E_SAVE_FILE="$e2e_home/exports"
# The background payment refresh would settle a difference before the reconciliation spec
# shows it: specs compare when they choose.
export SUBDESK_REFRESH_INTERVAL_SECS=86400
# Without a GPU the app draws without WebKit's compositing (src-tauri/src/rendering.rs), and
# WebKitWebDriver's screenshots never return without it: the E2E keeps it. (The webview
# bench takes no screenshots and measures the app as users run it: it sets `off`.)
export SUBDESK_WEBVIEW_COMPOSITING="${SUBDESK_WEBVIEW_COMPOSITING:-on}"
# Nor a file dialog: a debug build "chooses" this file when asked for a CSV (the runs spec
# writes it first).
export SUBDESK_E2E_PICK_FILE="$e2e_home/pick.csv"
# Nor a system browser: a debug build writes the sandbox practice window's address here
# instead of opening it (src-tauri/src/commands/practice.rs); the pgs-window spec reads it.
export SUBDESK_E2E_OPENED_URL_FILE="$e2e_home/opened-url.txt"
# Nor a folder dialog: a debug build "chooses" this folder for backups (the backups spec).
export SUBDESK_E2E_PICK_FOLDER="$e2e_home/nas-backups"
mkdir -p "$SUBDESK_E2E_PICK_FOLDER"
# The shared store's schedule looks every 3 s instead of every minute (the shared-store
# spec waits for a scheduled copy); with no schedule saved it does nothing.
export SUBDESK_SHARED_CHECK_SECS=3

cd "$here"
HOME="$e2e_home" XDG_DATA_HOME="$e2e_home/data" XDG_CONFIG_HOME="$e2e_home/config" \
XDG_CACHE_HOME="$e2e_home/cache" NO_AT_BRIDGE=1 \
  dbus-run-session -- bash -c '
    echo -n e2e-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    xvfb-run -a -s "-screen 0 1280x800x24" node node_modules/@wdio/cli/bin/wdio.js run wdio.conf.mjs' && rc=0 || rc=$?
if [ -s "$E2E_LINGERING" ]; then
  echo "e2e: an app did not exit when its WebDriver session ended:"
  cat "$E2E_LINGERING"
  exit 1
fi
exit "$rc"
