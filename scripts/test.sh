#!/usr/bin/env bash
# Set up .venv/ and run the whole test suite (unit tests on moto, end-to-end tests via the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh
.venv/bin/ruff check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest -n 2 --dist loadscope --durations=15 "$@"
