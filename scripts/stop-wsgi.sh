#!/usr/bin/env bash
# Stop the WSGI app started by start-wsgi.sh on PORT (by its pid file, never by name).
# Usage: scripts/stop-wsgi.sh [PORT]      (default 9820)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-9820}"
af_stop "$AUTHFRONT_RUN/wsgi-$PORT/pid" "wsgi :$PORT" "app.py --port $PORT"
