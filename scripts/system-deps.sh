#!/usr/bin/env bash
# System packages the tests need beyond PyPI, installed from Debian when missing (idempotent, quiet):
# - chromium, which the browser tests drive with Playwright (Playwright's own browser download is not used);
# - postgresql and redis-server, which the test fixtures start as private servers (tests/servers.py).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  # Only the binaries are used: the tests start their own servers, not the services Debian sets up.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2> >(grep -v '^debconf:' >&2)
else
  echo "system-deps: missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
fi
