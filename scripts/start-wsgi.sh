#!/usr/bin/env bash
# Start scripts/wsgi/app.py -- a tiny WSGI app on Python's standard-library server (wsgiref,
# threaded) -- as an HTTP origin on 127.0.0.1:PORT. It answers every request with JSON saying
# what it received (CGI-style HTTP_* variables, body length and SHA-256, the user of
# X-Auth-Request-User), sends no cache headers, sleeps WSGI_SLOW seconds (default 1) on paths
# with a `/slow/` segment, and logs each request as a JSON line to .run/wsgi-PORT/requests.jsonl.
# Usage: scripts/start-wsgi.sh [PORT]      (default 9820)
# Prints WSGI_URL=... and WSGI_LOG=...; running it again while that instance is up does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-9820}"
case "$PORT" in ''|*[!0-9]*) af_die "usage: start-wsgi.sh [PORT]" ;; esac
RUN="$(af_rundir wsgi "$PORT")"
af_apt_ensure python3
if ! af_already_running "$RUN/pid" "wsgi :$PORT" "app.py --port $PORT"; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  : > "$RUN/requests.jsonl"
  af_spawn "$RUN/pid" "$RUN/log" python3 -u "$AUTHFRONT_HOME/scripts/wsgi/app.py" --port "$PORT" \
    --log "$RUN/requests.jsonl" --slow "${WSGI_SLOW:-1}"
  af_wait_ready "$RUN/pid" "$RUN/log" "wsgi :$PORT" af_http_ok "http://127.0.0.1:$PORT/healthz"
fi
echo "WSGI_URL=http://127.0.0.1:$PORT"
echo "WSGI_LOG=$RUN/requests.jsonl"
