#!/usr/bin/env bash
# Install everything (see setup.sh) and run lingoflow's checks: ruff, mypy and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
VENV=${LINGOFLOW_VENV:-.venv}
"$VENV/bin/ruff" check src tests bench
"$VENV/bin/ruff" format --check src tests bench
"$VENV/bin/mypy"
"$VENV/bin/pytest" "$@"
