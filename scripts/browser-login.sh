#!/usr/bin/env bash
# Sign in through authfront with a real (headless Debian chromium) browser.
# Usage: scripts/browser-login.sh URL [--user alice] [--password P] [--expect '#protected']
#          [--screenshot FILE] [--timeout-ms N]
# Installs chromium / playwright-core when missing. Default screenshot:
# .run/browser/login-<time>.png. Prints one JSON line; exit 0 on success.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -ge 1 ] || af_die "usage: browser-login.sh URL [options]"
af_apt_ensure chromium fonts-dejavu-core
af_npm_ensure "$AUTHFRONT_HOME/scripts/browser"
mkdir -p "$AUTHFRONT_RUN/browser"
args=("$@")
case " $* " in *" --screenshot "*) ;; *) args+=(--screenshot "$AUTHFRONT_RUN/browser/login-$(date +%Y%m%d-%H%M%S).png") ;; esac
# bookworm's /etc/chromium.d/dev-shm may print "[: ...: unexpected operator" -- harmless
exec node "$AUTHFRONT_HOME/scripts/browser/login.mjs" "${args[@]}"
