#!/usr/bin/env bash
# Install plannlp into ./.venv (or the active virtual environment).
#   bash scripts/install.sh          runtime only
#   bash scripts/install.sh --dev    with the test and notebook dependencies, and Ray
# Torch is installed first, so the package's own `torch>=2.3` pulls nothing more:
#   - with an NVIDIA GPU (nvidia-smi answers): the default PyPI build, which is CUDA-enabled;
#   - without one: torch==2.13.0, which these machines serve as a CPU build from local disk
#     (elsewhere set PLANNLP_TORCH to a spec or an --index-url of PyTorch's CPU wheels).
set -euo pipefail
cd "$(dirname "$0")/.."
extra=""
# --dev: the test dependencies and Ray (so that the Ray engine's tests run, in CI too)
[ "${1:-}" = "--dev" ] && extra="[dev,ray]"
if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  . .venv/bin/activate
fi
python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if python -c "import torch" >/dev/null 2>&1; then
  echo "torch $(python -c 'import torch; print(torch.__version__)') already installed"
elif [ -n "${PLANNLP_TORCH:-}" ]; then
  python -m pip install -q ${PLANNLP_TORCH}
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  python -m pip install -q "torch>=2.3"
else
  python -m pip install -q "torch==2.13.0"
fi
python -m pip install -q -e ".${extra}"
echo "plannlp installed in $(python -c 'import sys; print(sys.prefix)')"
