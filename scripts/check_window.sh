#!/usr/bin/env bash
# The README's first command on a real X server, as a Linux desktop user runs it.
#
# Starts Xvfb (an X server without a screen), runs `bash scripts/run.sh` with Qt's
# xcb platform (the one a desktop uses, not offscreen) for a new user (empty
# settings and data folders, so the app opens on the demo), waits for the main
# window, takes a screenshot of the X screen with ImageMagick's `import` (an X
# client, not Qt's own grab), checks that it is not blank, closes the app with
# Ctrl+Q and checks that it exits cleanly. CI runs it; so can you.
#
#   bash scripts/check_window.sh [SCREENSHOT.png]    (default: window.png)
set -euo pipefail
cd "$(dirname "$0")/.."
shot="$(realpath -m "${1:-window.png}")"

if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in xvfb xauth xdotool imagemagick; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" = "0" ] || sudo="sudo"
    echo "Installing check tools:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

work="$(mktemp -d)"
log="$work/app.log"
xvfb_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "check_window: $*" >&2
  echo "--- the app's output ---" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

# A free display number: the first whose lock file is absent.
n=90
while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
export DISPLAY=":$n"
Xvfb "$DISPLAY" -screen 0 1440x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do
  xdotool getdisplaygeometry >/dev/null 2>&1 && break
  sleep 0.2
done
xdotool getdisplaygeometry >/dev/null 2>&1 || { cat "$work/xvfb.log" >&2; fail "Xvfb did not start on $DISPLAY"; }

# A new user: no saved settings, no runs, no imported models.
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" LORASTUDIO_HOME="$work/home"
export QT_QPA_PLATFORM=xcb
bash scripts/run.sh >"$log" 2>&1 &
app_pid=$!

window=""
for _ in $(seq 600); do  # set-up on a fresh machine takes minutes; later runs seconds
  kill -0 "$app_pid" 2>/dev/null || fail "the app exited before its window appeared"
  window="$(xdotool search --onlyvisible --name '^LoRA Studio' 2>/dev/null | head -n 1 || true)"
  [ -n "$window" ] && break
  sleep 1
done
[ -n "$window" ] || fail "no 'LoRA Studio' window within 10 minutes"
echo "Window $window is up on $DISPLAY"

# The window is mapped before it is painted: take screenshots until one shows it.
colors=0
for _ in $(seq 30); do
  sleep 1
  import -window root "$shot"
  colors="$(convert "$shot" -format '%k' info:)"
  [ "$colors" -ge 64 ] && break
done
[ "$colors" -ge 64 ] || fail "the screenshot is blank ($colors colours): $shot"
echo "Screenshot $shot: $colors colours"

xdotool windowfocus --sync "$window"
xdotool key --clearmodifiers ctrl+q
for _ in $(seq 30); do
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 1
done
if kill -0 "$app_pid" 2>/dev/null; then
  fail "the app did not close within 30 s of Ctrl+Q"
fi
status=0
wait "$app_pid" || status=$?
app_pid=""
[ "$status" = 0 ] || fail "the app exited with status $status"
if grep -E "Traceback|Could not load the Qt platform plugin|qt.qpa.plugin" "$log" >/dev/null; then
  fail "the app printed an error"
fi
echo "The app opened a window on a real X server and closed cleanly."
