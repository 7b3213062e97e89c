#!/usr/bin/env bash
# Install everything (see setup.sh), then translate the bundled examples/ texts into Korean,
# Japanese and Spanish with the embedded offline engine, and print the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
VENV=${LINGOFLOW_VENV:-.venv}
"$VENV/bin/lingoflow" engines
find examples -name '*.txt' | sort | while read -r file; do
  printf '\n\033[1m### %s\033[0m\n' "$file"
  cat "$file"
  "$VENV/bin/lingoflow" translate --engine local --from en --to ko,ja,es < "$file"
done
