#!/usr/bin/env bash
# Benchmark of the origins and the edge cache (not a timed test; loopback only, bounded in time).
#
#   bench/origins.sh            every scenario, 10 s each (about 2 minutes plus the build)
#   BENCH_DURATION=5s BENCH_CONNECTIONS=32 bench/origins.sh
#
# Signed-in requests (a real session from the test identity provider) for 1 KiB, 16 KiB and
# 1 MiB objects, measured with wrk (Debian):
#   - hit:        served from authfront's cache (nginx origin, cache rule default_ttl 1h)
#   - miss nginx: cache off, every request fetched from nginx (HTTP origin)
#   - miss s3:    cache off, every request SigV4-signed and fetched from s3s-fs
#   - nginx direct, for reference (no authfront in between)
# Prints requests per second and latency percentiles (50/90/99 %).
#
# Starts its own identity provider, s3s-fs, nginx and two authfront instances (cache on / off)
# on ports 18901-18907 and stops them all on exit. Builds authfront with cargo --release.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$AUTHFRONT_HOME/bench/peers.sh"

D="${BENCH_DURATION:-10s}"
C="${BENCH_CONNECTIONS:-32}"
T="${BENCH_THREADS:-2}"
OP=18901 S3=18902 NGX=18903 HIT=18904 MISS=18905 ADMIN=18906
RUN="$(af_rundir bench-origins)"

af_cargo_env
af_apt_ensure wrk curl nginx
af_log "building authfront (cargo build --release)"
(cd "$AUTHFRONT_HOME" && cargo build --release --locked -q -p authfront)
TARGET_DIR="${CARGO_TARGET_DIR:-$AUTHFRONT_HOME/target}"
BIN="$TARGET_DIR/release/authfront"
[ -x "$BIN" ] || af_die "no binary at $BIN"

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  "$AUTHFRONT_HOME/scripts/stop-nginx.sh" "$NGX" >/dev/null 2>&1 || true
  "$AUTHFRONT_HOME/scripts/stop-s3s-fs.sh" "$S3" >/dev/null 2>&1 || true
  "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$OP" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- origins and objects
rm -rf "$RUN/s3" "$RUN/htdocs"
mkdir -p "$RUN/s3/bench/s3" "$RUN/htdocs/http" "$RUN/htdocs/hit"
for s in 1k:1024 16k:16384 1m:1048576; do
  head -c "${s##*:}" /dev/urandom > "$RUN/htdocs/http/${s%%:*}.bin"
  cp "$RUN/htdocs/http/${s%%:*}.bin" "$RUN/htdocs/hit/"
  cp "$RUN/htdocs/http/${s%%:*}.bin" "$RUN/s3/bench/s3/"
done
OP_AUTO_LOGIN=alice OP_REDIRECT_URIS="http://127.0.0.1:$HIT/_authfront/callback,http://127.0.0.1:$MISS/_authfront/callback" \
  "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$OP" >/dev/null 2>&1 || true
OP_AUTO_LOGIN=alice OP_REDIRECT_URIS="http://127.0.0.1:$HIT/_authfront/callback,http://127.0.0.1:$MISS/_authfront/callback" \
  "$AUTHFRONT_HOME/scripts/start-oidc-provider.sh" "$OP" >/dev/null
eval "$(S3S_ROOT="$RUN/s3" "$AUTHFRONT_HOME/scripts/start-s3s-fs.sh" "$S3")"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY   # the standard variables the S3 origin reads
NGINX_DOCROOT="$RUN/htdocs" "$AUTHFRONT_HOME/scripts/start-nginx.sh" "$NGX" >/dev/null

# ---------------------------------------------------------------- two authfront instances
"$BIN" keygen > "$RUN/session.key"
config() {  # PORT CACHE-TABLE
  bench_config_head "$1" "$1" "$OP"
  cat <<EOF
[origin]
http = "http://127.0.0.1:$NGX"
[[origin.routes]]
path = "/s3/*"
s3 = { bucket = "bench", region = "us-east-1", endpoint = "$S3_ENDPOINT", path_style = true }
$2
EOF
}
config "$HIT" "[cache]
rules = [{ path = \"/hit/*\", default_ttl = \"1h\", shared = true }]
[admin]
listen = \"127.0.0.1:$ADMIN\"
token = \"bench-admin-token-0123456789\"" > "$RUN/hit.toml"
config "$MISS" "[cache]
max_size = 0" > "$RUN/miss.toml"
for port in "$HIT" "$MISS"; do
  name=$([ "$port" = "$HIT" ] && echo hit || echo miss)
  AUTHFRONT_LOG=warn "$BIN" serve --config "$RUN/$name.toml" > "$RUN/$name.log" 2>&1 &
  PIDS+=($!)
done
for port in "$HIT" "$MISS"; do
  deadline=$(( $(date +%s) + 30 ))
  until af_http_ok "http://127.0.0.1:$port/_authfront/health"; do
    [ "$(date +%s)" -lt "$deadline" ] || af_die "authfront on $port not ready (logs in $RUN)"
    sleep 0.2
  done
done

# ---------------------------------------------------------------- a real session per instance
login() {  # PORT -> prints "Cookie: authfront_session=..."
  local jar="$RUN/jar-$1"
  rm -f "$jar"
  curl -s -L -c "$jar" -b "$jar" -o /dev/null "http://127.0.0.1:$1/http/1k.bin"
  local v
  v="$(awk '$6 == "authfront_session" { print $7 }' "$jar")"
  [ -n "$v" ] || af_die "no session from the login on $1"
  printf 'Cookie: authfront_session=%s' "$v"
}
HIT_COOKIE="$(login "$HIT")"
MISS_COOKIE="$(login "$MISS")"

# ---------------------------------------------------------------- measure
printf '\n%-24s %-8s %12s %10s %10s %10s\n' scenario size "req/s" p50 p90 p99
run() {  # LABEL SIZE URL [wrk args]
  local label="$1" size="$2" url="$3"; shift 3
  local out
  out="$(wrk --latency -t"$T" -c"$C" -d"$D" "$@" "$url")"
  local rps p50 p90 p99 errors
  rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
  p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
  p90="$(awk '$1 == "90%" { print $2 }' <<<"$out")"
  p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
  errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | tr '\n' ' ' || true)"
  printf '%-24s %-8s %12s %10s %10s %10s %s\n' "$label" "$size" "$rps" "$p50" "$p90" "$p99" "$errors"
}
for s in 1k 16k 1m; do
  curl -s -o /dev/null -H "$HIT_COOKIE" "http://127.0.0.1:$HIT/hit/$s.bin"   # fill
  run "hit (cache)" "$s" "http://127.0.0.1:$HIT/hit/$s.bin" -H "$HIT_COOKIE"
  run "miss nginx (http)" "$s" "http://127.0.0.1:$MISS/http/$s.bin" -H "$MISS_COOKIE"
  run "miss s3s-fs (s3)" "$s" "http://127.0.0.1:$MISS/s3/$s.bin" -H "$MISS_COOKIE"
  run "nginx direct (no auth)" "$s" "http://127.0.0.1:$NGX/http/$s.bin"
done
echo
curl -s -H "Authorization: Bearer bench-admin-token-0123456789" "http://127.0.0.1:$ADMIN/stats" | sed 's/^/cache: /'
printf 'duration %s, %s connections, %s threads; objects are random bytes (not compressed)\n' "$D" "$C" "$T"
