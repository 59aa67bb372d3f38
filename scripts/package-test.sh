#!/usr/bin/env bash
# `make test`'s last stage: build the .deb (scripts/package.sh --debug), install it with
# dpkg, start the installed /usr/bin/subdesk under Xvfb with a private home, D-Bus and
# gnome-keyring, wait for its window and its first screen, take a screenshot
# (tests/e2e/artifacts/package.png), close it, remove the package and check that the
# user's data folder is still there. Needs root (or sudo) for dpkg.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# A failure after the install removes the package again: the machine is left as it was.
fail() {
  echo "package test: $*" >&2
  if dpkg-query -W -f='${Status}' subdesk 2>/dev/null | grep -q "install ok installed"; then
    $SUDO dpkg -r subdesk >/dev/null || true
  fi
  exit 1
}

# The debug build the E2E already compiled, packaged as `make package` packages the
# release one (see scripts/package.sh): what is checked here is the package, not the
# optimiser, and a second full compile would double this stage's time.
deb=$(bash scripts/package.sh --debug)
[ -f "$deb" ] || fail "no .deb was built"
echo "built $deb ($(du -k "$deb" | cut -f1) KiB)"

# What the package says it is and holds, before it is installed.
info=$(dpkg-deb --info "$deb")
grep -q '^ Depends:.*libwebkit2gtk-4.1-0' <<<"$info" || fail "the package does not depend on libwebkit2gtk-4.1-0"
grep -q '^ Depends:.*libgtk-3-0' <<<"$info" || fail "the package does not depend on libgtk-3-0"
contents=$(dpkg-deb --contents "$deb")
for f in usr/bin/subdesk usr/bin/subdesk-cli usr/share/applications/Subdesk.desktop \
  usr/share/icons/hicolor/128x128/apps/subdesk.png; do
  grep -Eq " (\./)?$f\$" <<<"$contents" || fail "the package has no /$f"
done

$SUDO dpkg -i "$deb" >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -f -y -qq >/dev/null
dpkg-query -W -f='${Status}' subdesk | grep -q "install ok installed" || fail "dpkg did not install subdesk"
desktop=/usr/share/applications/Subdesk.desktop
grep -q '^Comment\[ko\]=' "$desktop" || fail "the desktop entry has no Korean comment"
grep -q '^Exec=subdesk' "$desktop" || fail "the desktop entry does not start subdesk: $(grep ^Exec "$desktop")"
/usr/bin/subdesk-cli --help >/dev/null || fail "the installed subdesk-cli does not run"

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$root/tests/e2e/artifacts"
shot="$root/tests/e2e/artifacts/package.png"
rm -f "$shot"
data="$home/.local/share/kr.subdesk.app"

# Inside Xvfb: start the installed app, wait for its window (X) and its dashboard (the
# app's log line), screenshot the screen, close the app.
run_installed() {
  local shot=$1 data=$2
  /usr/bin/subdesk >"$HOME/subdesk.out" 2>&1 &
  local pid=$! win=""
  for _ in $(seq 300); do
    win=$(xdotool search --onlyvisible --name '^Subdesk$' 2>/dev/null | head -1) && [ -n "$win" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$HOME/subdesk.out"; echo "subdesk exited"; return 1; }
    sleep 0.1
  done
  [ -n "$win" ] || { echo "no Subdesk window appeared"; kill "$pid"; return 1; }
  echo "window $win is up"
  for _ in $(seq 600); do
    grep -qs 'stage=Dashboard' "$data"/logs/*.log && break
    sleep 0.1
  done
  grep -qs 'stage=Dashboard' "$data"/logs/*.log || { echo "the dashboard did not say it was ready"; kill "$pid"; return 1; }
  # WebKit's frame reaches the X window a little after the UI has drawn it: until then the
  # screen is one flat colour.
  for _ in $(seq 50); do
    import -window root "$shot"
    [ "$(convert "$shot" -format '%[fx:standard_deviation>0.01]' info:)" = 1 ] && break
    sleep 0.2
  done
  [ "$(convert "$shot" -format '%[fx:standard_deviation>0.01]' info:)" = 1 ] || { echo "the window stayed blank"; kill "$pid"; return 1; }
  # And the frames after it, settled.
  sleep 1
  import -window root "$shot"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}
# (xvfb-run is a POSIX sh script, which drops exported bash functions: the function's
# text is handed over instead.)
export RUN_INSTALLED
RUN_INSTALLED=$(declare -f run_installed)
HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
XDG_CACHE_HOME="$home/.cache" NO_AT_BRIDGE=1 \
  dbus-run-session -- bash -c '
    echo -n pkg-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c "eval \"\$RUN_INSTALLED\"; run_installed \"\$0\" \"\$1\"" "$0" "$1"' \
  "$shot" "$data" || fail "the installed app did not start"
[ -s "$shot" ] || fail "no screenshot"
echo "screenshot: $shot"

$SUDO dpkg -r subdesk >/dev/null
[ ! -e /usr/bin/subdesk ] || fail "dpkg -r left /usr/bin/subdesk"
[ -f "$data/profiles.json" ] || fail "removing the package removed the user's data ($data)"
echo "removed; the user's data is still in $data"
