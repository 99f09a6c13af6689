#!/usr/bin/env bash
# The dashboard's browser test drives Debian's Chromium; it never downloads a browser build of its own.
# Installs it on a Debian machine where we are root; otherwise says how and fails (a missing browser is not a pass).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser test..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    exit 0
fi
echo "Error: the browser test needs Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'." >&2
exit 1
