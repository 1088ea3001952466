#!/usr/bin/env bash
# Set everything up and open the app, with the demo model and dataset chosen
# (press Start). Arguments are passed on: `bash scripts/run.sh demo` runs the
# demo headless in the terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/lorastudio "$@"
