#!/usr/bin/env bash
# Stop the nginx started by start-nginx.sh on PORT (by its pid file, never by name).
# Usage: scripts/stop-nginx.sh [PORT]      (default 9800)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-9800}"
af_stop "$AUTHFRONT_RUN/nginx-$PORT/pid" "nginx :$PORT" nginx
