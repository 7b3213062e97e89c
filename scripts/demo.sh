#!/usr/bin/env bash
# Install everything (see setup.sh), then translate the sample document tree in examples/ into
# Korean, Japanese and Spanish with the embedded offline engine and print the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
VENV=${LINGOFLOW_VENV:-.venv}
"$VENV/bin/lingoflow" engines
"$VENV/bin/lingoflow" translate-dir examples --to ko,ja,es --out out/examples \
  --engine local --from en --exclude README.md
find out/examples -type f | sort | while read -r file; do
  printf '\n\033[1m### %s\033[0m\n' "$file"
  cat "$file"
done
