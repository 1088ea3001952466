#!/usr/bin/env bash
# Set everything up and run the whole test suite (the real SmolLM2 tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
