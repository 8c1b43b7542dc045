#!/usr/bin/env bash
# Create one virtualenv per peer tool under bench/.venv-peers/, from PyPI.
# Usage: bash bench/peers/setup.sh [cartography|awsmap ...]   (default: both)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$here/.venv-peers"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || python=python3
mkdir -p "$root"
peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=(cartography awsmap)
for peer in "${peers[@]}"; do
  venv="$root/$peer"
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "$peer"
  "$venv/bin/pip" show "$peer" | grep -E '^(Name|Version):'
done
