#!/usr/bin/env bash
# Start the test identity provider (npm oidc-provider, OpenID Certified) on 127.0.0.1:PORT.
# Usage: scripts/start-oidc-provider.sh [PORT]        (default 9400, or $OP_PORT)
# The OP_* variables documented at the top of scripts/oidc-provider/op.mjs are passed
# through (OP_REDIRECT_URIS, OP_AUTO_LOGIN=off, OP_TTL_*, ...). State (pid, log, signing
# keys) lives in .run/oidc-provider-PORT/. Prints `OP_ISSUER=...` (eval-able) when ready.
# Idempotent: does nothing if the instance for PORT is already running (stop it first
# to change settings).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-${OP_PORT:-9400}}"
case "$PORT" in ''|*[!0-9]*) af_die "usage: start-oidc-provider.sh [PORT]" ;; esac
DIR="$AUTHFRONT_HOME/scripts/oidc-provider"
RUN="$(af_rundir oidc-provider "$PORT")"
PIDFILE="$RUN/pid"; LOG="$RUN/log"

af_npm_ensure "$DIR"
if ! af_already_running "$PIDFILE" "oidc-provider :$PORT" op.mjs; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  export OP_PORT="$PORT"
  export OP_ISSUER="http://127.0.0.1:$PORT"
  export OP_KEYS_FILE="${OP_KEYS_FILE:-$RUN/jwks.private.json}"
  export OP_PUBLIC_JWKS_FILE="${OP_PUBLIC_JWKS_FILE:-$RUN/jwks.public.json}"
  af_spawn "$PIDFILE" "$LOG" node "$DIR/op.mjs"
  af_wait_ready "$PIDFILE" "$LOG" "oidc-provider :$PORT" \
    af_http_ok "http://127.0.0.1:$PORT/.well-known/openid-configuration"
fi
echo "OP_ISSUER=http://127.0.0.1:$PORT"
