#!/usr/bin/env bash
# Build the Linux one-folder bundle from the same spec as the Mac app, check
# its structure, and run its self-test offscreen, as a user's machine would:
# LORASTUDIO_HOME unset and HOME a fresh folder. Fails if the self-test fails
# or if running the bundle wrote anything inside it.
#
#   bash packaging/build_linux.sh                 # -> dist/LoRAStudio/LoRAStudio
#
# Environment:
#   LORASTUDIO_BUILD_VENV  the virtual environment to build in (default .venv;
#                          made with scripts/setup.sh when missing)
#   SELFTEST_PNG           where the self-test saves its screenshot
#                          (default /tmp/lorastudio-selftest.png)
# The locked versions (packaging/requirements-lock.txt, hashes checked) are
# installed into that environment first, PyInstaller among them; LoRA Studio
# itself is taken from this checkout (the spec puts it on the search path).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${LORASTUDIO_BUILD_VENV:-.venv}"
png="${SELFTEST_PNG:-/tmp/lorastudio-selftest.png}"
dist="dist/LoRAStudio"

if [ ! -x "$venv/bin/python" ]; then
  if [ "$venv" = ".venv" ]; then
    bash scripts/setup.sh
  else
    python3 -m venv "$venv"
  fi
fi
py="$venv/bin/python"

echo "== installing the locked dependencies into $venv"
"$py" -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
  -r packaging/requirements-lock.txt

echo "== building with PyInstaller"
start=$(date +%s)
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/lorastudio.spec
built=$(date +%s)

echo "== verifying the bundle"
"$py" packaging/verify_bundle.py "$dist"

echo "== self-test of the bundle (offscreen, fresh HOME, LORASTUDIO_HOME unset)"
home="$(mktemp -d)"
marker="$(mktemp)"
trap 'rm -rf "$home" "$marker"' EXIT
touch "$marker"
env -u LORASTUDIO_HOME -u XDG_DATA_HOME -u DISPLAY -u WAYLAND_DISPLAY \
  HOME="$home" QT_QPA_PLATFORM=offscreen \
  "$dist/LoRAStudio" --self-test "$png"

# Anything created or modified inside the bundle since the marker is a bug:
# runs, logs and caches belong in the user's folders.
written="$(find "$dist" \( -newer "$marker" -o -cnewer "$marker" \) -print | head -20)"
if [ -n "$written" ]; then
  echo "build_linux: running the bundle wrote inside it:" >&2
  echo "$written" >&2
  exit 1
fi
echo "== nothing was written inside $dist"
echo "built in $((built - start)) s; bundle $(du -sh "$dist" | cut -f1); screenshot $png"
