#!/usr/bin/env bash
# System packages the tests need beyond PyPI: Debian's Chromium, which the browser tests drive with
# Playwright (the graph page, the web console). Playwright's own browser download is not used.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "system-deps: chromium is missing; install Debian's 'chromium' package (needed by the browser tests)" >&2
  fi
fi
