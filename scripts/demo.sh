#!/usr/bin/env bash
# The authfront demo: the example site (examples/site) behind a real OpenID
# Connect provider, all on 127.0.0.1.
#
#   scripts/demo.sh
#
# Installs what is missing (the provider's npm packages; builds authfront with
# cargo --release), starts the test identity provider on 127.0.0.1:9400 with its
# login form, creates the demo session key once (.run/demo/session.key, with
# `authfront keygen`), then runs `authfront serve --config examples/demo.toml`
# in the foreground on http://127.0.0.1:8080. Ctrl-C stops authfront and the
# provider this script started.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OP_PORT=9400
APP_URL="http://127.0.0.1:8080"
CONFIG="$AUTHFRONT_HOME/examples/demo.toml"
KEY="$AUTHFRONT_HOME/.run/demo/session.key"   # the path examples/demo.toml names

af_cargo_env
af_apt_ensure curl
af_port_busy 8080 && af_die "127.0.0.1:8080 is already in use; stop what listens there first"

af_log "building authfront (cargo build --release)"
(cd "$AUTHFRONT_HOME" && cargo build --release --locked -p authfront)
TARGET_DIR="$(cd "$AUTHFRONT_HOME" && cargo metadata --format-version 1 --no-deps \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
BIN="$TARGET_DIR/release/authfront"
[ -x "$BIN" ] || af_die "no binary at $BIN after the build"

mkdir -p "$(dirname "$KEY")"
if [ ! -s "$KEY" ]; then
  af_log "creating the demo session key ${KEY#"$AUTHFRONT_HOME"/}"
  (umask 077 && "$BIN" keygen > "$KEY.tmp") && mv "$KEY.tmp" "$KEY"
fi

OP_PIDFILE="$AUTHFRONT_RUN/oidc-provider-$OP_PORT/pid"
STARTED_OP=0
AF_PID=""
# shellcheck disable=SC2317  # (called by the traps)
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$AF_PID" ] && kill -0 "$AF_PID" 2>/dev/null; then
    kill -TERM "$AF_PID" 2>/dev/null || true
    wait "$AF_PID" 2>/dev/null || true
  fi
  if [ "$STARTED_OP" = 1 ]; then "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$OP_PORT" || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if af_alive "$OP_PIDFILE"; then
  af_log "an identity provider from .run/ already runs on $OP_PORT: using it as it is (stop it with scripts/stop-oidc-provider.sh $OP_PORT to restart it with the demo settings)"
else
  OP_AUTO_LOGIN=off OP_REDIRECT_URIS="$APP_URL/_authfront/callback" OP_POST_LOGOUT_REDIRECT_URIS="$APP_URL/" \
    OP_BACKCHANNEL_LOGOUT_URI="$APP_URL/_authfront/backchannel-logout" \
    "$AUTHFRONT_HOME/scripts/start-oidc-provider.sh" "$OP_PORT" >/dev/null
  STARTED_OP=1
fi

af_log "starting: $BIN serve --config examples/demo.toml"
"$BIN" serve --config "$CONFIG" &
AF_PID=$!
deadline=$(( $(date +%s) + AUTHFRONT_READY_TIMEOUT ))
until af_http_ok "$APP_URL/_authfront/health"; do
  kill -0 "$AF_PID" 2>/dev/null || { wait "$AF_PID" || true; af_die "authfront exited during start-up (see its log above)"; }
  [ "$(date +%s)" -lt "$deadline" ] || af_die "authfront not ready after ${AUTHFRONT_READY_TIMEOUT}s"
  sleep 0.2
done
cat >&2 <<MSG

  open $APP_URL and sign in as alice / alice-password (bob is staff too; carol is denied)
  $APP_URL/public/ needs no sign-in. Press Ctrl-C to stop.

MSG
rc=0
wait "$AF_PID" || rc=$?
AF_PID=""
exit "$rc"
