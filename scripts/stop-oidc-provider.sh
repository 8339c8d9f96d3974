#!/usr/bin/env bash
# Stop the identity provider started by scripts/start-oidc-provider.sh [PORT]
# (by its pid file only, never by name). Default port 9400, or $OP_PORT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-${OP_PORT:-9400}}"
af_stop "$AUTHFRONT_RUN/oidc-provider-$PORT/pid" "oidc-provider :$PORT" "op.mjs"
