#!/usr/bin/env bash
# Set everything up and run the whole test suite (the real SmolLM2 tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Test-only tools: Go runs the Ollama Modelfile templates through Go's own
# text/template (the tests that need it skip without it).
if [ "$(uname -s)" = "Linux" ] && ! command -v go >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends golang-go >/dev/null
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
