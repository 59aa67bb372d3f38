#!/usr/bin/env bash
# Installs the Debian packages Subdesk needs to build, run and test.
# Skips everything when the packages are already there, so repeated runs cost a second.
set -euo pipefail

build_pkgs=(libwebkit2gtk-4.1-dev build-essential curl wget file libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev
  libxdo-dev pkg-config)
run_pkgs=(xvfb xauth xdotool dbus gnome-keyring libsecret-tools libdbus-1-dev
  fonts-noto-cjk at-spi2-core)
# PostgreSQL: the shared store's tests run against a real server on loopback.
test_pkgs=(webkit2gtk-driver imagemagick postgresql)

wanted=("${build_pkgs[@]}" "${run_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then wanted+=("${test_pkgs[@]}"); fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
