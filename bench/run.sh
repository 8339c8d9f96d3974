#!/usr/bin/env bash
# authfront's benchmark, side by side with nginx and Apache + mod_auth_openidc (issue 6).
# Not a timed test: it never fails on a number. Loopback only; every load run is bounded.
#
#   bench/run.sh               the full run: 3 rounds, 5 s per measurement (about 10 minutes
#                              plus the release build), results in bench/results/latest.*
#   bench/run.sh --smoke       the harness end to end in under a minute (1 round, 1 s each,
#                              the dev build); results in .run/bench/smoke.* (scripts/test.sh)
#   bench/run.sh --profile     where the time goes: callgrind (instructions per request, top
#                              functions) and perf (kernel included) for cache hits and folder
#                              reads; writes bench/results/profile.md
#   bench/run.sh --rounds N --duration 10s --out PREFIX
#
# Installs what is missing (Debian nginx, apache2, libapache2-mod-auth-openidc, wrk, curl,
# python3; npm oidc-provider through scripts/start-oidc-provider.sh), builds authfront, makes
# 1 KiB, 16 KiB and 1 MiB files of random bytes, and starts on 127.0.0.1 (ports
# BENCH_PORT_BASE+1..+7, default 18911-18917): the test identity provider (signs alice in by
# itself), nginx, Apache + mod_auth_openidc, authfront (with [forward_auth]), and a second nginx
# with examples/forward-auth/nginx.conf in front of it. It signs in once to authfront and once
# to Apache (the real flows, through the provider) and measures with wrk, alternating
#   A  authfront, signed in, cache hit        /cached/SIZE.bin (HTTP origin: the nginx below)
#   B  authfront, signed in, folder, no cache /SIZE.bin
#   C  nginx, no auth at all (the ceiling)    /SIZE.bin
#   D  Apache + mod_auth_openidc, signed in   /SIZE.bin
#   E  nginx + auth_request to authfront,     /SIZE.bin served by that nginx from the same docroot,
#      signed in (authfront's cookie)         authfront asked on every request (checked first:
#                                             200 with the file with the cookie, 302 without);
#                                             its CPU is authfront's per check (nginx's beside it)
# for each size at 64 and 256 keep-alive connections, for several rounds; then authfront's
# RSS (idle, peak under load, with the cache full at its limit) and its start-up time to the
# first 200. Prints the table (req/s, p50/p99, ratios to nginx and mod_auth_openidc, medians
# over the rounds) and writes PREFIX.md, PREFIX.json and PREFIX.csv.
#
# Environment: BENCH_ROUNDS, BENCH_DURATION, BENCH_THREADS (wrk, default 2), BENCH_PORT_BASE,
# BENCH_PROFILE (release | dev), BENCH_CACHE_MB (authfront's cache limit, default 64),
# BENCH_BIN (an authfront binary to measure instead of building one: before/after comparisons);
# BENCH_SIZES, BENCH_CONNS, BENCH_SCENARIOS narrow a run (default "1k 16k 1m", "64 256",
# "A B C D E"; a partial run's table and targets show only what it measured); BENCH_FA_KEEPALIVE=N
# gives E's nginx N idle keep-alive connections to authfront (default 32, as the example; 0: none).
# Everything started is stopped on exit, by pid. Logs: .run/bench/*/log.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$AUTHFRONT_HOME/bench/peers.sh"
source "$AUTHFRONT_HOME/bench/profile.sh"

MODE=full OUT=""
ROUNDS="${BENCH_ROUNDS:-}" DURATION="${BENCH_DURATION:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) MODE=smoke ;;
    --profile) MODE=profile ;;
    --rounds) ROUNDS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,/^source /{/^source /d;p;}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) af_die "unknown argument $1 (try --help)" ;;
  esac
  shift
done
if [ $MODE = smoke ]; then
  ROUNDS="${ROUNDS:-1}" DURATION="${DURATION:-1s}" WARMUP="" STARTS=2 PROFILE="${BENCH_PROFILE:-dev}"
  OUT="${OUT:-$AUTHFRONT_RUN/bench/smoke}"
elif [ $MODE = profile ]; then
  ROUNDS=1 DURATION=5s WARMUP="" STARTS=0 PROFILE="${BENCH_PROFILE:-release}"
  OUT="${OUT:-$AUTHFRONT_HOME/bench/results/profile}"
else
  ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-5s}" WARMUP=2s STARTS=5 PROFILE="${BENCH_PROFILE:-release}"
  OUT="${OUT:-$AUTHFRONT_HOME/bench/results/latest}"
fi
case "$DURATION" in [1-9]*s) ;; *) af_die "--duration: whole seconds, like 5s" ;; esac
THREADS="${BENCH_THREADS:-2}"
read -r -a SIZES <<<"${BENCH_SIZES:-1k 16k 1m}"
read -r -a CONNS <<<"${BENCH_CONNS:-64 256}"
CACHE_MB="${BENCH_CACHE_MB:-64}"
BASE="${BENCH_PORT_BASE:-18910}"
OP_PORT=$((BASE + 1)) NGX=$((BASE + 2)) AP=$((BASE + 3)) AF=$((BASE + 4)) ADMIN=$((BASE + 5)) PROBE=$((BASE + 6))
NGXFA=$((BASE + 7))
ADMIN_TOKEN="bench-admin-token-0123456789"
BENCH_RUN="$(af_rundir bench)"
mkdir -p "$(dirname "$OUT")"
ulimit -n 65536 2>/dev/null || true

# ---------------------------------------------------------------- tools, build, files
af_cargo_env
af_apt_ensure curl wrk nginx apache2 libapache2-mod-auth-openidc python3
TARGET_DIR="${CARGO_TARGET_DIR:-$AUTHFRONT_HOME/target}"
if [ -n "${BENCH_BIN:-}" ]; then
  BIN="$BENCH_BIN" PROFILE="given binary"
  af_log "measuring $BIN (BENCH_BIN; not built here)"
elif [ "$PROFILE" = release ]; then
  af_log "building authfront (cargo build --release)"
  (cd "$AUTHFRONT_HOME" && cargo build --release --locked -q -p authfront)
  BIN="$TARGET_DIR/release/authfront"
else
  af_log "building authfront (cargo build, dev profile: smoke numbers are not comparable)"
  (cd "$AUTHFRONT_HOME" && cargo build --locked -q -p authfront)
  BIN="$TARGET_DIR/debug/authfront"
fi
[ -x "$BIN" ] || af_die "no binary at $BIN"

trap bench_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bench_www_run
DOCROOT="$WWW_RUN/htdocs"
rm -rf "$DOCROOT" && mkdir -p "$DOCROOT"
head -c 1024 /dev/urandom > "$DOCROOT/1k.bin"
head -c 16384 /dev/urandom > "$DOCROOT/16k.bin"
head -c 1048576 /dev/urandom > "$DOCROOT/1m.bin"
echo ok > "$DOCROOT/healthz.txt"
chmod 755 "$DOCROOT" && chmod 644 "$DOCROOT"/*

# ---------------------------------------------------------------- peers
"$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$OP_PORT" >/dev/null 2>&1 || true
OP_AUTO_LOGIN=alice OP_REDIRECT_URIS="http://127.0.0.1:$AF/_authfront/callback" \
  OP_APACHE_REDIRECT_URIS="http://127.0.0.1:$AP/redirect_uri" \
  "$AUTHFRONT_HOME/scripts/start-oidc-provider.sh" "$OP_PORT" >/dev/null
bench_nginx_start "$NGX" "$DOCROOT"
bench_apache_start "$AP" "$DOCROOT" "http://127.0.0.1:$OP_PORT"

"$BIN" keygen > "$BENCH_RUN/session.key"
config() {  # PORT [ADMIN-PORT]
  echo "# generated by bench/run.sh"
  bench_config_head "$1" "$AF" "$OP_PORT"
  cat <<EOF
[origin]
dir = "$DOCROOT"
[[origin.routes]]
path = "/cached/*"
http = "http://127.0.0.1:$NGX"
[cache]
max_size = "${CACHE_MB}MiB"
rules = [{ path = "/cached/*", default_ttl = "1h", shared = true }]   # static files: the same for everyone
[forward_auth]   # scenario E: nginx's auth_request (trusted_proxies: loopback, the default)
mode = "status"
EOF
  [ -z "${2:-}" ] || printf '[admin]\nlisten = "127.0.0.1:%s"\ntoken = "%s"\n' "$2" "$ADMIN_TOKEN"
}
config "$AF" "$ADMIN" > "$BENCH_RUN/authfront.toml"
config "$PROBE" > "$BENCH_RUN/probe.toml"
bench_authfront_start authfront "$BENCH_RUN/authfront.toml" "$AF"
AF_PID="$(cat "$BENCH_RUN/authfront/pid")"
bench_nginx_fa_start "$NGXFA" "$DOCROOT" "$AF" "$NGX"

# ---------------------------------------------------------------- sign in once to each
AF_COOKIE="$(bench_login "http://127.0.0.1:$AF/1k.bin" authfront_session "$BENCH_RUN/jar-authfront")"
AP_COOKIE="$(bench_login "http://127.0.0.1:$AP/1k.bin" mod_auth_openidc_session "$BENCH_RUN/jar-apache")"
af_log "signed in to authfront and to Apache + mod_auth_openidc"
IDLE_RSS="$(bench_mem "$AF_PID" VmRSS)"
for s in "${SIZES[@]}"; do  # fill the cache, then check that A is a hit
  curl -s -o /dev/null --max-time 10 -H "$AF_COOKIE" "http://127.0.0.1:$AF/cached/$s.bin"
  x="$(curl -s -o /dev/null -D - --max-time 10 -H "$AF_COOKIE" "http://127.0.0.1:$AF/cached/$s.bin" \
    | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')"
  [ "$x" = hit ] || af_die "authfront /cached/$s.bin is not a cache hit (X-Cache: ${x:-none})"
done
for s in "${SIZES[@]}"; do  # E: authfront's cookie lets nginx serve the file; none is sent to sign-in
  u="http://127.0.0.1:$NGXFA/$s.bin"
  code="$(curl -s -o "$BENCH_RUN/e-$s.bin" -w '%{http_code}' --max-time 10 -H "$AF_COOKIE" "$u")" || true
  [ "$code" = 200 ] && cmp -s "$BENCH_RUN/e-$s.bin" "$DOCROOT/$s.bin" \
    || af_die "scenario E: $u with authfront's session cookie gave HTTP $code$([ "$code" = 200 ] && echo ' but not the file') (nginx + auth_request: $WWW_RUN/nginx-fa/error.log, authfront: $BENCH_RUN/authfront/log)"
  rm -f "$BENCH_RUN/e-$s.bin"
  code="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 "$u")" || true
  case "$code" in
    "302 http://127.0.0.1:$AF/_authfront/"*|"302 http://127.0.0.1:$OP_PORT/"*) ;;
    *) af_die "scenario E: $u without a session gave '$code', not a 302 to sign-in: nginx + auth_request does not protect it" ;;
  esac
done

# ---------------------------------------------------------------- measure
RAW="$BENCH_RUN/raw.jsonl"
: > "$RAW"
read -r -a SCEN <<<"${BENCH_SCENARIOS:-A B C D E}"
url() {  # SCENARIO SIZE
  case "$1" in
    A) echo "http://127.0.0.1:$AF/cached/$2.bin" ;;
    B) echo "http://127.0.0.1:$AF/$2.bin" ;;
    C) echo "http://127.0.0.1:$NGX/$2.bin" ;;
    D) echo "http://127.0.0.1:$AP/$2.bin" ;;
    E) echo "http://127.0.0.1:$NGXFA/$2.bin" ;;
    *) af_die "unknown scenario $1 (BENCH_SCENARIOS: A B C D E)" ;;
  esac
}
server_pid() {  # SCENARIO -> the pid (and session) of the server that answers it
  case "$1" in
    A|B|E) echo "$AF_PID" ;;  # E: authfront's CPU per check (its front's is proxy_cpu_ticks)
    C) cat "$WWW_RUN/nginx/pid" ;;
    D) cat "$WWW_RUN/apache/pid" ;;
  esac
}
proxy_pid() {  # SCENARIO -> the session of the proxy in front of the server, if any
  case "$1" in
    E) cat "$WWW_RUN/nginx-fa/pid" ;;
  esac
}
CLK_TCK="$(getconf CLK_TCK)"
wrk_run() {  # SCENARIO SIZE CONNS DURATION -> the JSON line of bench/wrk-json.lua, or null
  local h=()
  case "$1" in A|B|E) h=(-H "$AF_COOKIE") ;; D) h=(-H "$AP_COOKIE") ;; esac
  local secs="${4%s}" out
  out="$(timeout $((secs + 30)) wrk -t"$THREADS" -c"$3" -d"$4" --timeout 10s -s "$AUTHFRONT_HOME/bench/wrk-json.lua" \
    "${h[@]}" "$(url "$1" "$2")" 2>&1)" || true
  out="$(sed -n 's/^JSON //p' <<<"$out")"
  echo "${out:-null}"
}
if [ $MODE = profile ]; then
  bench_profile "$OUT.md"
  exit 0
fi
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$WARMUP" ]; then
  af_log "warm-up: $WARMUP per scenario and size at 256 connections (not recorded)"
  for s in "${SIZES[@]}"; do for sc in "${SCEN[@]}"; do wrk_run "$sc" "$s" 256 "$WARMUP" >/dev/null; done; done
fi
total=$((ROUNDS * ${#SIZES[@]} * ${#CONNS[@]} * ${#SCEN[@]}))
af_log "measuring: $total runs of $DURATION (load average now $LOAD_BEFORE)"
n=0
for ((r = 1; r <= ROUNDS; r++)); do
  order=("${SCEN[@]:$(((r - 1) % ${#SCEN[@]}))}" "${SCEN[@]:0:$(((r - 1) % ${#SCEN[@]}))}")
  for s in "${SIZES[@]}"; do
    for c in "${CONNS[@]}"; do
      for sc in "${order[@]}"; do
        n=$((n + 1))
        sid="$(server_pid "$sc")" pid2="$(proxy_pid "$sc")" p0=0 p1=0 proxy=""
        t0="$(bench_cpu_ticks "$sid")"
        [ -z "$pid2" ] || p0="$(bench_cpu_ticks "$pid2")"
        j="$(wrk_run "$sc" "$s" "$c" "$DURATION")"
        t1="$(bench_cpu_ticks "$sid")"
        [ -z "$pid2" ] || { p1="$(bench_cpu_ticks "$pid2")"; proxy=",\"proxy_cpu_ticks\":$((p1 - p0))"; }
        printf '{"round":%d,"scenario":"%s","size":"%s","conns":%d,"cpu_ticks":%d%s,"clk_tck":%d,"wrk":%s}\n' \
          "$r" "$sc" "$s" "$c" "$((t1 - t0))" "$proxy" "$CLK_TCK" "$j" >> "$RAW"
        rps="$(python3 -c 'import json,sys; w=json.loads(sys.argv[1]); print(round(w["requests"]/(w["duration_us"]/1e6)) if w else "failed")' "$j")"
        printf '[bench] %3d/%d round %d  %-3s %3d conns  %s  %10s req/s\n' "$n" "$total" "$r" "$s" "$c" "$sc" "$rps" >&2
      done
    done
  done
done
LOAD_PEAK_RSS="$(bench_mem "$AF_PID" VmHWM)"

# ---------------------------------------------------------------- memory with the cache full
af_log "filling the cache to its limit ($CACHE_MB MiB) with distinct 1 MiB objects"
for ((i = 1; i <= CACHE_MB + 16; i++)); do
  curl -s -o /dev/null --max-time 10 -H "$AF_COOKIE" "http://127.0.0.1:$AF/cached/1m.bin?fill=$i"
done
STATS="$(curl -s --max-time 5 -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$ADMIN/stats")"
FULL_RSS="$(bench_mem "$AF_PID" VmRSS)"
# restart the peak from here (Linux ≥ 4.0), so that it is the full cache's
{ echo 5 > "/proc/$AF_PID/clear_refs"; } 2>/dev/null || true
wrk_run A 1m 256 "$DURATION" >/dev/null
FULL_PEAK_RSS="$(bench_mem "$AF_PID" VmHWM)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- start-up
af_log "start-up: $STARTS starts of a second instance, timed to its first 200"
STARTUP="$(cd "$BENCH_RUN" && python3 "$AUTHFRONT_HOME/bench/startup.py" "$BIN" "$BENCH_RUN/probe.toml" "$PROBE" \
  /1k.bin "$AF_COOKIE" "$STARTS")"

# ---------------------------------------------------------------- report
commit="$(git -C "$AUTHFRONT_HOME" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$AUTHFRONT_HOME" diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
versions="nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||'), Apache $(/usr/sbin/apache2 -v | sed -n 's|^Server version: Apache/\([^ ]*\).*|\1|p'), mod_auth_openidc $(dpkg-query -W -f='${Version}' libapache2-mod-auth-openidc), $( (wrk -v 2>&1 || true) | head -n1 | cut -d' ' -f1-2)"
MODE="$MODE" ROUNDS="$ROUNDS" DURATION="$DURATION" THREADS="$THREADS" PROFILE="$PROFILE" COMMIT="$commit" \
VERSIONS="$versions" LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" CACHE_MB="$CACHE_MB" \
IDLE="$IDLE_RSS" LOADPEAK="$LOAD_PEAK_RSS" FULL="$FULL_RSS" FULLPEAK="$FULL_PEAK_RSS" STATS="$STATS" \
STARTUP="$STARTUP" CONNS="${CONNS[*]}" SCEN="${SCEN[*]}" FA_KEEPALIVE="${BENCH_FA_KEEPALIVE:-32}" python3 - > "$BENCH_RUN/meta.json" <<'EOF'
import json, os, platform, time
e = os.environ
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
mb = lambda k: round(int(k) / 1024, 1) if k else None
try:
    stats = json.loads(e["STATS"])
except ValueError:
    stats = None
try:
    startup = json.loads(e["STARTUP"])
except ValueError:
    startup = {}
print(json.dumps({
    "mode": e["MODE"], "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "rounds": int(e["ROUNDS"]), "duration": e["DURATION"], "threads": int(e["THREADS"]),
    "conns": [int(c) for c in e["CONNS"].split()], "scenarios": e["SCEN"].split(),
    "forward_auth_keepalive": int(e["FA_KEEPALIVE"]), "profile": e["PROFILE"], "commit": e["COMMIT"],
    "nproc": os.cpu_count(), "cpu": cpu, "mem_total": f"{int(mem) // 1024} MiB", "kernel": platform.release(),
    "load_before": e["LOAD_BEFORE"], "load_after": e["LOAD_AFTER"], "versions": e["VERSIONS"],
    "memory": {"idle_rss_mb": mb(e["IDLE"]), "load_peak_rss_mb": mb(e["LOADPEAK"]), "full_rss_mb": mb(e["FULL"]),
               "full_peak_rss_mb": mb(e["FULLPEAK"]), "cache_limit_mb": int(e["CACHE_MB"]), "cache_stats": stats},
    "startup": startup,
}))
EOF
echo
python3 "$AUTHFRONT_HOME/bench/report.py" "$RAW" "$BENCH_RUN/meta.json" "$OUT"
af_log "written: $OUT.md, $OUT.json, $OUT.csv"
