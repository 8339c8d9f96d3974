#!/usr/bin/env bash
# Stop the redis-server started by scripts/start-redis.sh [PORT] (by its pid file only, never
# by name). Default port 9900, or $REDIS_PORT. It keeps no data.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-${REDIS_PORT:-9900}}"
af_stop "$AUTHFRONT_RUN/redis-$PORT/pid" "redis :$PORT" redis-server
