#!/usr/bin/env bash
# Set everything up and run the main job: the demo (import the demo model,
# train it on the demo dataset, chat with the adapter).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/lorastudio demo "$@"
