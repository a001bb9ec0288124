#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests. Playwright's own browser download
# does not work offline, so the tests drive /usr/bin/chromium instead.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "Chromium not found: installing Debian's chromium package for the browser tests..."
if [ "$(id -u)" = "0" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Cannot install Chromium without root. Run: sudo apt-get install chromium" >&2
  echo "Browser tests will be skipped until it is installed (they fail under CI=true)." >&2
  exit 0
fi
command -v chromium >/dev/null && echo "Chromium installed: $(chromium --version 2>/dev/null || true)"
