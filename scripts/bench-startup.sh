#!/usr/bin/env bash
# Start-up and memory figures of the desktop app, as a user meets them: the app is started
# N times under Xvfb (software rendering) with a private home, D-Bus and gnome-keyring.
# The first start is on an empty home (cold: the sandbox and its profile are created); the
# others reuse it (warm). For each start:
#   window     the time from exec to its X window being mapped (polled with xdotool, 10 ms)
#   shell      the UI's first frame of the shell, as the app logs it (`ui_ready`, measured
#              in the app from its process start)
#   dashboard  the dashboard's figures on screen, logged the same way
# then, after BENCH_IDLE_S seconds idle, the PSS of the app and its WebKit processes
# (/proc/<pid>/smaps_rollup, summed over the process tree). Also the binary and .deb sizes.
# Prints `name value (goal ...)` lines; nothing is asserted.
#
#   scripts/bench-startup.sh [--runs N] [--app PATH] [--store PATH]
# The app defaults to the package build ($CARGO_TARGET_DIR/deb/subdesk, `make package`),
# else the debug build. With --store, the warm starts open a copy of that store (e.g. the
# webview bench's 1,000,000 payments) as the profile's database: it is put in place after
# the cold start, and one start that upgrades and checks it is not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
runs=5
app=""
store=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --app) app=$2; shift 2 ;;
    --store) store=$(readlink -f "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$app" ]; then
  if [ -x "$target/deb/subdesk" ]; then app="$target/deb/subdesk"; else app="$target/debug/subdesk"; fi
fi
[ -x "$app" ] || { echo "no app at $app: run 'make package' or 'make app'" >&2; exit 1; }
app=$(readlink -f "$app")
export BENCH_IDLE_S="${BENCH_IDLE_S:-5}"
if [ -n "$store" ] && [ ! -f "$store" ]; then echo "no store at $store" >&2; exit 1; fi
export BENCH_STORE="$store"

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT

# One start; prints "window_ms shell_ms dashboard_ms pss_kib".
one_start() {
  local app=$1 log_dir="$XDG_DATA_HOME/kr.subdesk.app/logs"
  # Only this start's lines count.
  rm -f "$log_dir"/*.log
  local t0 pid win_ms="" shell="" dash=""
  t0=$(date +%s%N)
  "$app" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 3000); do
    if [ -z "$win_ms" ] && xdotool search --onlyvisible --pid "$pid" >/dev/null 2>&1; then
      win_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    fi
    dash=$(grep -hos 'stage=Dashboard since_start_ms=[0-9]*' "$log_dir"/*.log | grep -o '[0-9]*$' || true)
    [ -n "$win_ms" ] && [ -n "$dash" ] && break
    sleep 0.01
  done
  shell=$(grep -hos 'stage=Shell since_start_ms=[0-9]*' "$log_dir"/*.log | grep -o '[0-9]*$' || true)
  sleep "$BENCH_IDLE_S"
  # The app and everything it started (WebKit's web and network processes).
  local tree=("$pid") i=0
  while [ $i -lt ${#tree[@]} ]; do
    for c in $(pgrep -P "${tree[$i]}" || true); do tree+=("$c"); done
    i=$((i + 1))
  done
  local pss=0 p v a parts=""
  for p in "${tree[@]}"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    pss=$((pss + ${v:-0}))
    # Each process apart (the app, WebKit's web and network processes): which one holds it.
    a=$(awk '/^Pss_Anon:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    # BENCH_SMAPS_DIR=DIR keeps each process's mappings, to see what holds the memory.
    [ -n "${BENCH_SMAPS_DIR:-}" ] && cp "/proc/$p/smaps" "$BENCH_SMAPS_DIR/smaps-$(tr -d ' ' <"/proc/$p/comm")-$p.txt" 2>/dev/null
    parts="$parts$(tr -d ' ' <"/proc/$p/comm" 2>/dev/null || echo gone):$(( ${v:-0} / 1024 ))/anon$(( ${a:-0} / 1024 )),"
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Single-instance: the next start must not hand over to this one.
  for _ in $(seq 100); do pgrep -f "^$app" >/dev/null || break; sleep 0.1; done
  echo "${win_ms:-NA} ${shell:-NA} ${dash:-NA} $pss ${parts%,}"
}
# After the cold start: the profile's database replaced by BENCH_STORE, opened once
# (migrated, checked) by a start whose figures are not printed.
use_store() {
  [ -n "$BENCH_STORE" ] || return 0
  local db
  db=$(ls "$XDG_DATA_HOME"/kr.subdesk.app/profiles/*/subdesk.db | head -1)
  rm -f "$db" "$db-wal" "$db-shm"
  cp "$BENCH_STORE" "$db"
  one_start "$1" >/dev/null
}
# (xvfb-run is a POSIX sh script, which drops exported bash functions: the functions'
# text is handed over instead.)
export ONE_START
ONE_START="$(declare -f one_start)
$(declare -f use_store)"
results=$(HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
  XDG_CACHE_HOME="$home/.cache" NO_AT_BRIDGE=1 \
  dbus-run-session -- bash -c '
    echo -n bench-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    xvfb-run -a -s "-screen 0 1280x800x24" bash -c "eval \"\$ONE_START\"; for i in \$(seq $1); do one_start \"$0\"; if [ \$i = 1 ]; then use_store \"$0\"; fi; done"' \
  "$app" "$runs" | grep -E '^[0-9NA]+ [0-9NA]+ [0-9NA]+ [0-9]+ ')

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else print a[int((NR+1)/2)]}'; }
cold=$(head -1 <<<"$results")
warm=$(tail -n +2 <<<"$results")
read -r cw cs cd cp <<<"$cold"
echo "=== start-up ($(basename "$(dirname "$app")") build, $runs starts, Xvfb software rendering, $(nproc) cores${store:+; warm starts on $(basename "$store")})"
echo "app: $app"
echo "startup.cold.window_ms $cw (goal: at once)"
echo "startup.cold.shell_ms $cs (goal: at once)"
echo "startup.cold.dashboard_ms $cd (goal: soon)"
# Warm starts on a given store are their own figures.
w=warm
[ -n "$store" ] && w=warm_store
if [ -n "$warm" ]; then
  echo "startup.$w.window_ms $(awk '{print $1}' <<<"$warm" | median) (median of $((runs - 1)); goal: at once)"
  echo "startup.$w.shell_ms $(awk '{print $2}' <<<"$warm" | median) (goal: at once)"
  echo "startup.$w.dashboard_ms $(awk '{print $3}' <<<"$warm" | median) (goal <= 1000)"
  echo "memory.idle${store:+_store}.pss_mb $(( $(awk '{print $4}' <<<"$warm" | median) / 1024 )) (app + WebKit processes, ${BENCH_IDLE_S} s after the dashboard; goal <= 250)"
  echo "memory.idle${store:+_store}.by_process_mb $(awk '{print $5}' <<<"$warm" | tr '\n' ' ')(each warm start)"
else
  echo "memory.idle.pss_mb $((cp / 1024)) (app + WebKit processes; goal <= 250)"
fi
echo "size.binary_mb $(awk -v b="$(stat -c %s "$app")" 'BEGIN {printf "%.1f", b / 1048576}') ($(basename "$app"))"
deb=$(ls -t "$target"/deb/bundle/deb/*.deb 2>/dev/null | head -1 || true)
if [ -n "$deb" ]; then
  echo "size.deb_mb $(awk -v b="$(stat -c %s "$deb")" 'BEGIN {printf "%.1f", b / 1048576}') ($(basename "$deb"))"
fi
