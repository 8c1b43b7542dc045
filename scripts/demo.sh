#!/usr/bin/env bash
# Set up .venv/ and run the demo: a seeded AWS emulator (moto), collected end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/awsgraph demo "$@"
