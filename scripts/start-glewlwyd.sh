#!/usr/bin/env bash
# Start the second test identity provider: Debian's glewlwyd (a C single-sign-on server with an
# OpenID Connect plugin) on 127.0.0.1:PORT, sqlite database in .run/glewlwyd-PORT/.
# Usage: scripts/start-glewlwyd.sh [PORT]        (default 9600, or $GLEWLWYD_PORT)
# On the first start of a database it is configured through glewlwyd's admin API by
# scripts/glewlwyd/bootstrap.py (users alice/bob, clients authfront-glewlwyd and
# authfront-glewlwyd-public; see that file for GLEWLWYD_REDIRECT_URIS, GLEWLWYD_TTL_* ...).
#   GLEWLWYD_RESET=1   throw the database away and configure from scratch
# Prints `GLEWLWYD_ISSUER=http://127.0.0.1:PORT/api/oidc` (eval-able) when ready. Idempotent:
# does nothing if the instance for PORT is already running. Admin: admin / password.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-${GLEWLWYD_PORT:-9600}}"
case "$PORT" in ''|*[!0-9]*) af_die "usage: start-glewlwyd.sh [PORT]" ;; esac
RUN="$(af_rundir glewlwyd "$PORT")"
PIDFILE="$RUN/pid"; LOG="$RUN/log"; DB="$RUN/glewlwyd.sqlite"
SCHEMA=/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3
ISSUER="http://127.0.0.1:$PORT/api/oidc"

af_apt_ensure glewlwyd sqlite3 openssl python3 curl
if ! af_already_running "$PIDFILE" "glewlwyd :$PORT" /usr/bin/glewlwyd; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  [ "${GLEWLWYD_RESET:-0}" = 1 ] && rm -f "$DB" "$RUN/bootstrapped"
  if [ ! -s "$DB" ]; then
    rm -f "$RUN/bootstrapped"
    sqlite3 "$DB" < "$SCHEMA"
    # write-ahead log: readers and the one writer no longer block each other (glewlwyd sets no
    # busy timeout, so a blocked query is an error); the mode is kept in the file
    sqlite3 "$DB" 'PRAGMA journal_mode=WAL;' >/dev/null
  fi
  if [ ! -s "$RUN/key.pem" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RUN/key.pem" 2>/dev/null
    openssl pkey -in "$RUN/key.pem" -pubout -out "$RUN/pub.pem"
    chmod 600 "$RUN/key.pem"
  fi
  # Debian's webapp/config.json is a symlink to a *directory* (a packaging bug), and glewlwyd
  # serves no symlinks: serve a dereferenced copy of the web app with the real config.json.
  rm -rf "$RUN/webapp"
  cp -RL /usr/share/glewlwyd/webapp "$RUN/webapp"
  rm -rf "$RUN/webapp/config.json"
  cp /etc/glewlwyd/config-2.7.json/config.json "$RUN/webapp/config.json"
  sed -e "s|@PORT@|$PORT|g" -e "s|@DB@|$DB|g" -e "s|@RUN@|$RUN|g" \
    "$AUTHFRONT_HOME/scripts/glewlwyd/glewlwyd.conf.in" > "$RUN/glewlwyd.conf"
  af_spawn "$PIDFILE" "$LOG" /usr/bin/glewlwyd -c "$RUN/glewlwyd.conf"
  af_wait_ready "$PIDFILE" "$LOG" "glewlwyd :$PORT" af_http_ok "http://127.0.0.1:$PORT/config.json"
  if [ ! -e "$RUN/bootstrapped" ]; then
    if ! python3 "$AUTHFRONT_HOME/scripts/glewlwyd/bootstrap.py" "http://127.0.0.1:$PORT" \
        "$RUN/key.pem" "$RUN/pub.pem" >/dev/null; then
      af_stop "$PIDFILE" "glewlwyd :$PORT" /usr/bin/glewlwyd
      af_die "glewlwyd bootstrap failed (log: $LOG)"
    fi
    touch "$RUN/bootstrapped"
  fi
  af_wait_ready "$PIDFILE" "$LOG" "glewlwyd OIDC :$PORT" af_http_ok "$ISSUER/.well-known/openid-configuration"
fi
echo "GLEWLWYD_ISSUER=$ISSUER"
