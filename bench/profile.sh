# shellcheck shell=bash
# bench/profile.sh -- sourced by bench/run.sh for `bench/run.sh --profile`: where a signed-in
# request's time goes, with the same peers, files and session cookie as the measured run.
#
# Two views, both written to one Markdown file:
# - callgrind (valgrind): instructions per request and the functions that execute them, for
#   a cache hit (A) and a folder read (B) of 1 KiB and 16 KiB. Instruction counts do not
#   depend on what else the machine does, so two builds compare exactly (BENCH_BIN).
# - perf (cpu-clock samples, Debian's linux-perf): the running release server under wrk load
#   at 64 connections, kernel included -- what system calls and the network stack cost, which
#   callgrind does not see; for A and B, and for E (authfront answering nginx's auth checks).

# bench_profile OUT.md: profiles the instance started by run.sh ($AF_PID on $AF) and a
# valgrind-run second instance ($BENCH_RUN/probe.toml on $PROBE).
bench_profile() {
  local out="$1" cg="$BENCH_RUN/callgrind" sc size
  af_apt_ensure valgrind linux-perf
  mkdir -p "$cg"
  {
    echo "# authfront hot-path profile, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Build: \`$BIN\` ($PROFILE, commit $(git -C "$AUTHFRONT_HOME" rev-parse --short HEAD 2>/dev/null || echo unknown))."
    echo "Made by \`bench/run.sh --profile\`; A = signed-in cache hit, B = signed-in folder read (no cache)."
    echo
    echo "## Instructions per request (callgrind, 4 connections, keep-alive)"
    echo
    echo "| scenario | requests | instructions | per request |"
    echo "|---|---:|---:|---:|"
  } > "$out"
  local details=""
  for sc in A B; do
    for size in 1k 16k; do
      bench_callgrind "$sc" "$size" "$cg/$sc-$size" >> "$out"
      details+="$cg/$sc-$size "
    done
  done
  for d in $details; do
    {
      echo
      echo "### $(basename "$d"): the 25 functions with the most instructions (self)"
      echo
      echo '```'
      callgrind_annotate --threshold=100 "$(ls -S "$d".out* | head -n 1)" 2>/dev/null \
        | awk '/file:function/ { on = 1; getline; next } on && NF { print } on && ++n > 26 { exit }' \
        | sed -E 's|/root/\.cargo/registry/src/[^/]+/||; s|/rustc/[0-9a-f]+/library/||; s| \[[^]]*\]$||' || true
      echo '```'
    } >> "$out"
  done
  for sc in A B; do
    bench_perf "$sc" 16k >> "$out"
  done
  # forward-auth: authfront as nginx's auth_request service (the check's cost alone)
  bench_perf E 1k >> "$out"
  af_log "profile written: $out"
}

# bench_callgrind SCENARIO SIZE PREFIX: one row of the table; PREFIX.out* holds the profile.
bench_callgrind() {
  local sc="$1" size="$2" prefix="$3" path req ir vp
  path="$(url "$sc" "$size" | sed 's|^http://[^/]*||')"
  rm -f "$prefix".out*
  af_spawn "$prefix.pid" "$prefix.log" env AUTHFRONT_LOG=warn valgrind --tool=callgrind \
    --callgrind-out-file="$prefix.out" --instr-atstart=no --dump-instr=no "$BIN" serve --config "$BENCH_RUN/probe.toml"
  vp="$(cat "$prefix.pid")"
  AUTHFRONT_READY_TIMEOUT=120 af_wait_ready "$prefix.pid" "$prefix.log" "authfront under callgrind :$PROBE" \
    af_http_ok "http://127.0.0.1:$PROBE/_authfront/health"
  # warm: the cache filled (A), the page cache and every lazy start-up behind us
  wrk -t1 -c4 -d3s --timeout 10s -H "$AF_COOKIE" "http://127.0.0.1:$PROBE$path" >/dev/null 2>&1 || true
  callgrind_control -i on "$vp" >/dev/null 2>&1
  req="$(wrk -t1 -c4 -d5s --timeout 10s -H "$AF_COOKIE" "http://127.0.0.1:$PROBE$path" 2>&1 \
    | awk '/requests in/ { print $1 }' || true)"
  callgrind_control -i off "$vp" >/dev/null 2>&1
  callgrind_control -d "$vp" >/dev/null 2>&1
  sleep 1
  af_stop "$prefix.pid" "authfront under callgrind" callgrind >/dev/null 2>&1 || true
  ir="$(callgrind_annotate "$(ls -S "$prefix".out* | head -n 1)" 2>/dev/null \
    | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' || true)"
  if [ -z "$req" ] || [ "${req:-0}" = 0 ] || [ -z "$ir" ]; then
    echo "| $sc $size | failed (see $prefix.log) | | |"
    return 0
  fi
  printf '| %s %s | %s | %s | %s |\n' "$sc" "$size" "$req" "$ir" "$((ir / req))"
}

# bench_perf SCENARIO SIZE: perf's top symbols (user and kernel) for the release server while
# wrk loads it at 64 connections for 5 s.
bench_perf() {
  local sc="$1" size="$2" data="$BENCH_RUN/perf-$1-$2.data" w
  echo
  echo "## perf: $sc $size at 64 connections (cpu-clock samples of the authfront process, kernel included)"
  echo
  wrk -t"$THREADS" -c64 -d7s --timeout 10s -H "$AF_COOKIE" "$(url "$sc" "$size")" > "$BENCH_RUN/perf-wrk.txt" 2>&1 &
  w=$!
  sleep 1
  if ! perf record -q -e cpu-clock -F 1999 -o "$data" -p "$AF_PID" -- sleep 5 >/dev/null 2>&1; then
    wait "$w" || true
    echo "perf record failed on this machine; callgrind above still holds."
    return 0
  fi
  wait "$w" || true
  echo '```'
  perf report -i "$data" --stdio --no-children --sort dso,sym --percent-limit 0.7 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -n 40 || true
  echo '```'
}
