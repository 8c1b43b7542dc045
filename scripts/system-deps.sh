#!/usr/bin/env bash
# System packages the tests need beyond PyPI: headless Chromium renders the graph page.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "system-deps: chromium is missing; install Debian's 'chromium' package (needed by tests/query)" >&2
  fi
fi
