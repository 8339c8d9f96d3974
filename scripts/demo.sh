#!/usr/bin/env bash
# The authfront demo: the example site (examples/site) behind a real OpenID
# Connect provider, all on 127.0.0.1.
#
#   scripts/demo.sh [--port N] [--provider-port N] [--binary PATH]
#
#   --port N           authfront's port (default 8080, or a free one when 8080 is taken)
#   --provider-port N  the identity provider's port (default 9400, or a free one)
#   --binary PATH      use this authfront binary instead of building one (cargo build --release)
#   -h, --help         this text
#
# Both ports are checked before anything is built or started: a port given
# with --port/--provider-port must be free, a default that is taken is replaced
# by a free port (and said so). Then: installs what is missing (the provider's
# npm packages), builds authfront (cargo --release; the first build takes a
# while, see below), creates the demo session key once, writes the runtime
# config .run/demo/authfront-PORT.toml from examples/demo.toml with the chosen
# ports (listen, public_url, issuer; nothing in examples/ is edited), asks
# `authfront check-config --urls` which URLs to register at the provider
# (redirect, post-logout and back-channel logout URIs: the same derivation
# `serve` uses) and starts the test identity provider on 127.0.0.1 with exactly
# those, login form on. Then `authfront serve` in the foreground. Ctrl-C (or
# SIGTERM) stops authfront and the provider this script started, nothing else.
# State (key, revocations, provider keys and logs) lives in $AUTHFRONT_RUN
# (default .run/).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,/^source /{/^source /d;p;}' "$0" | sed 's/^# \{0,1\}//'; }
PORT="" OP_PORT="" BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:-}"; shift 2 || af_die "--port needs a value" ;;
    --provider-port) OP_PORT="${2:-}"; shift 2 || af_die "--provider-port needs a value" ;;
    --binary) BIN="${2:-}"; shift 2 || af_die "--binary needs a value" ;;
    -h|--help) usage; exit 0 ;;
    *) af_die "unknown argument $1 (try --help)" ;;
  esac
done

# ---------------------------------------------------------------- ports, before anything else
# pick_port NAME GIVEN DEFAULT [TAKEN...] -> prints the port to use: GIVEN, which must be free;
# else DEFAULT when free and not TAKEN; else a free one.
pick_port() {
  local name="$1" given="$2" default="$3" p t
  shift 3
  if [ -n "$given" ]; then
    case "$given" in *[!0-9]*|'') af_die "--$name: not a port number: $given" ;; esac
    [ "$given" -ge 1 ] && [ "$given" -le 65535 ] || af_die "--$name: not a port number: $given"
    af_port_busy "$given" && af_die "127.0.0.1:$given (--$name) is already in use: choose another port"
    echo "$given"; return
  fi
  local free=1
  for t in "$@"; do [ "$t" = "$default" ] && free=0; done
  if [ $free = 1 ] && ! af_port_busy "$default"; then echo "$default"; return; fi
  p="$(af_free_port "$@")" || af_die "no free port for the $name on 127.0.0.1"
  af_log "127.0.0.1:$default is taken: the $name uses $p instead (or choose one with --$name)"
  echo "$p"
}
PORT="$(pick_port port "$PORT" 8080)"
OP_PORT="$(pick_port provider-port "$OP_PORT" 9400 "$PORT")"
[ "$PORT" != "$OP_PORT" ] || af_die "authfront and the provider cannot share port $PORT"
# A provider left running from .run/ on that port is someone's: never reused with other settings.
af_alive "$AUTHFRONT_RUN/oidc-provider-$OP_PORT/pid" \
  && af_die "a provider from an earlier run still listens on $OP_PORT: stop it with scripts/stop-oidc-provider.sh $OP_PORT"
APP_URL="http://127.0.0.1:$PORT"
af_log "ports: authfront $APP_URL, identity provider http://127.0.0.1:$OP_PORT"

EXAMPLES="$AUTHFRONT_HOME/examples"
DEMO_RUN="$AUTHFRONT_RUN/demo"
CONFIG="$DEMO_RUN/authfront-$PORT.toml"
KEY="$DEMO_RUN/session.key"

# ---------------------------------------------------------------- tools and the binary
af_apt_ensure curl
af_npm_ensure "$AUTHFRONT_HOME/scripts/oidc-provider"
if [ -z "$BIN" ]; then
  af_cargo_env
  TARGET_DIR="$(cd "$AUTHFRONT_HOME" && cargo metadata --format-version 1 --no-deps \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
  BIN="$TARGET_DIR/release/authfront"
  if [ -x "$BIN" ]; then
    af_log "building authfront (cargo build --release): only what changed, usually under a minute"
  else
    af_log "building authfront for the first time (cargo build --release): this takes a while," \
      "roughly 10-15 minutes on 2 cores ($(nproc 2>/dev/null || echo '?') here), less with more; later runs take seconds"
  fi
  (cd "$AUTHFRONT_HOME" && cargo build --release --locked -p authfront)
fi
[ -x "$BIN" ] || af_die "no authfront binary at $BIN"

mkdir -p "$DEMO_RUN"
if [ ! -s "$KEY" ]; then
  af_log "creating the demo session key ${KEY#"$AUTHFRONT_HOME"/}"
  (umask 077 && "$BIN" keygen > "$KEY.tmp") && mv "$KEY.tmp" "$KEY"
fi

# ---------------------------------------------------------------- the runtime config
# examples/demo.toml with the chosen ports; its relative paths made absolute (they are relative
# to the config's folder), the demo's state (`../.run/…`) moved into $AUTHFRONT_RUN.
sed -e "s|^listen = \"127\.0\.0\.1:8080\"|listen = \"127.0.0.1:$PORT\"|" \
    -e "s|^public_url = \"http://127\.0\.0\.1:8080\"|public_url = \"$APP_URL\"|" \
    -e "s|^issuer = \"http://127\.0\.0\.1:9400\"|issuer = \"http://127.0.0.1:$OP_PORT\"|" \
    -e "s|= \"\.\./\.run/|= \"$AUTHFRONT_RUN/|g" \
    -e "s|= \"\./|= \"$EXAMPLES/|g" \
    "$EXAMPLES/demo.toml" > "$CONFIG.tmp"
grep -q "^listen = \"127.0.0.1:$PORT\"" "$CONFIG.tmp" && grep -q "^issuer = \"http://127.0.0.1:$OP_PORT\"" "$CONFIG.tmp" \
  || af_die "examples/demo.toml no longer has the listen/public_url/issuer lines this script rewrites"
mv "$CONFIG.tmp" "$CONFIG"

# What authfront will send is what the provider gets registered: one derivation, authfront's own.
REDIRECT_URI="" POST_LOGOUT_URI="" BACKCHANNEL_URI=""
while IFS='=' read -r name value; do
  case "$name" in
    redirect_uri) REDIRECT_URI="$value" ;;
    post_logout_redirect_uri) POST_LOGOUT_URI="$value" ;;
    backchannel_logout_uri) BACKCHANNEL_URI="$value" ;;
  esac
done < <("$BIN" check-config --urls --config "$CONFIG")
[ -n "$REDIRECT_URI" ] && [ -n "$POST_LOGOUT_URI" ] && [ -n "$BACKCHANNEL_URI" ] \
  || af_die "authfront check-config --urls --config $CONFIG did not name the URLs to register"

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

# ---------------------------------------------------------------- start
af_port_busy "$PORT" && af_die "127.0.0.1:$PORT was taken while building: run the demo again"
af_port_busy "$OP_PORT" && af_die "127.0.0.1:$OP_PORT was taken while building: run the demo again"
STARTED_OP=1
OP_AUTO_LOGIN=off OP_REDIRECT_URIS="$REDIRECT_URI" OP_POST_LOGOUT_REDIRECT_URIS="$POST_LOGOUT_URI" \
  OP_BACKCHANNEL_LOGOUT_URI="$BACKCHANNEL_URI" \
  "$AUTHFRONT_HOME/scripts/start-oidc-provider.sh" "$OP_PORT" >/dev/null

af_log "starting: $BIN serve --config ${CONFIG#"$AUTHFRONT_HOME"/}"
"$BIN" serve --config "$CONFIG" &
AF_PID=$!
deadline=$(( $(date +%s) + AUTHFRONT_READY_TIMEOUT ))
until af_http_ok "$APP_URL/_authfront/health"; do
  kill -0 "$AF_PID" 2>/dev/null || { wait "$AF_PID" || true; AF_PID=""; af_die "authfront exited during start-up (see its log above)"; }
  [ "$(date +%s)" -lt "$deadline" ] || af_die "authfront not ready after ${AUTHFRONT_READY_TIMEOUT}s"
  sleep 0.2
done
cat >&2 <<MSG

  open $APP_URL and sign in as alice / alice-password (bob is staff too; carol is denied)
  $APP_URL/public/ needs no sign-in; "Sign out" on the page ends the provider's session too.
  Registered at the provider: redirect $REDIRECT_URI,
    post-logout $POST_LOGOUT_URI, back-channel logout $BACKCHANNEL_URI
  Config: $CONFIG. Press Ctrl-C to stop.

MSG
rc=0
wait "$AF_PID" || rc=$?
AF_PID=""
exit "$rc"
