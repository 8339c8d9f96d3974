#!/usr/bin/env bash
# Stop the glewlwyd started by scripts/start-glewlwyd.sh [PORT] (by its pid file only, never by
# name). Default port 9600, or $GLEWLWYD_PORT. Its database stays in .run/glewlwyd-PORT/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-${GLEWLWYD_PORT:-9600}}"
af_stop "$AUTHFRONT_RUN/glewlwyd-$PORT/pid" "glewlwyd :$PORT" /usr/bin/glewlwyd
