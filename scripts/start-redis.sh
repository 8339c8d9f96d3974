#!/usr/bin/env bash
# Start Debian's redis-server on 127.0.0.1:PORT for authfront's shared revocation store:
# protected mode, no persistence (nothing written to disk), state in .run/redis-PORT/.
# Usage: scripts/start-redis.sh [PORT]        (default 9900, or $REDIS_PORT)
#   REDIS_PASSWORD   if set, clients must authenticate (requirepass); the URL printed has it
# Prints `REDIS_URL=redis://127.0.0.1:PORT/0` (eval-able) when ready. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-${REDIS_PORT:-9900}}"
case "$PORT" in ''|*[!0-9]*) af_die "usage: start-redis.sh [PORT]" ;; esac
RUN="$(af_rundir redis "$PORT")"
PIDFILE="$RUN/pid"; LOG="$RUN/log"

af_apt_ensure redis-server
redis_ping() {
  redis-cli -h 127.0.0.1 -p "$PORT" ${REDIS_PASSWORD:+-a "$REDIS_PASSWORD" --no-auth-warning} ping | grep -q PONG
}
if ! af_already_running "$PIDFILE" "redis :$PORT" redis-server; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  args=(--bind 127.0.0.1 --port "$PORT" --protected-mode yes --save "" --appendonly no
        --daemonize no --dir "$RUN" --logfile "")
  [ -n "${REDIS_PASSWORD:-}" ] && args+=(--requirepass "$REDIS_PASSWORD")
  af_spawn "$PIDFILE" "$LOG" /usr/bin/redis-server "${args[@]}"
  af_wait_ready "$PIDFILE" "$LOG" "redis :$PORT" redis_ping
fi
echo "REDIS_URL=redis://${REDIS_PASSWORD:+:$REDIS_PASSWORD@}127.0.0.1:$PORT/0"
