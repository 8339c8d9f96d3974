#!/usr/bin/env bash
# Start Debian nginx as an HTTP origin on 127.0.0.1:PORT (installing it if needed; the
# package's own service is never started).
# Usage: scripts/start-nginx.sh [PORT]      (default 9800)
#   NGINX_DOCROOT  folder to serve (default .run/nginx-PORT/htdocs, with generated files:
#                  index.html, hello.txt, 1k.bin, 16k.bin, 1m.bin, app.js)
#   NGINX_SECRET   when set, every request must carry `X-Origin-Verify: $NGINX_SECRET`
#                  (the seeds' custom origin header) or gets 403
# Extra locations (see scripts/nginx/nginx.conf.in): /healthz, /echo-headers (what the origin
# received), /short/ (max-age=1), /counted/ (max-age=600, logged to .run/nginx-PORT/access.log
# so tests can count what reached the origin), /set-cookie, /no-store, /private.
# Prints NGINX_URL=... ; running it again while that instance is up does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-9800}"
RUN="$(af_rundir nginx "$PORT")"
DOCROOT="${NGINX_DOCROOT:-$RUN/htdocs}"
SECRET="${NGINX_SECRET:-}"
af_apt_ensure nginx
if ! af_already_running "$RUN/pid" "nginx :$PORT" nginx; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  mkdir -p "$RUN/tmp" "$DOCROOT"
  if [ "$DOCROOT" = "$RUN/htdocs" ]; then
    printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Origin</title></head><body><h1 id="origin">Origin content</h1></body></html>\n' > "$DOCROOT/index.html"
    printf 'hello from nginx\n' > "$DOCROOT/hello.txt"
    for s in 1k:1024 16k:16384 1m:1048576; do
      [ -s "$DOCROOT/${s%%:*}.bin" ] || head -c "${s##*:}" /dev/urandom > "$DOCROOT/${s%%:*}.bin"
    done
    [ -s "$DOCROOT/app.js" ] || for i in $(seq 1 400); do printf 'console.log("line %d of a compressible script");\n' "$i"; done > "$DOCROOT/app.js"
  fi
  mkdir -p "$DOCROOT/short"
  printf 'short-lived\n' > "$DOCROOT/short/item.txt"
  USER_LINE=""; [ "$(id -u)" = 0 ] && USER_LINE="user root;"
  CHECK=""
  if [ -n "$SECRET" ]; then
    case "$SECRET" in *[!A-Za-z0-9._-]*) af_die "NGINX_SECRET: letters, digits, . _ - only" ;; esac
    CHECK="if (\$http_x_origin_verify != \"$SECRET\") { return 403 \"origin secret missing\\n\"; }"
  fi
  sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$PORT|g" -e "s|@DOCROOT@|$DOCROOT|g" -e "s|@USER@|$USER_LINE|" \
      -e "s|@SECRET_CHECK@|$CHECK|" "$AUTHFRONT_HOME/scripts/nginx/nginx.conf.in" > "$RUN/nginx.conf"
  /usr/sbin/nginx -t -q -e "$RUN/error.log" -c "$RUN/nginx.conf" || af_die "nginx config test failed"
  af_spawn "$RUN/pid" "$RUN/log" /usr/sbin/nginx -e "$RUN/error.log" -c "$RUN/nginx.conf" -g "daemon off;"
  af_wait_ready "$RUN/pid" "$RUN/log" "nginx :$PORT" \
    curl -sf -o /dev/null --max-time 2 -H "X-Origin-Verify: $SECRET" "http://127.0.0.1:$PORT/healthz"
fi
echo "NGINX_URL=http://127.0.0.1:$PORT"
echo "NGINX_DOCROOT=$DOCROOT"
echo "NGINX_ACCESS_LOG=$RUN/access.log"
