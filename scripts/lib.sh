# shellcheck shell=bash
# Shared helpers for authfront's scripts (demo, tests, the test identity provider).
# Source it; do not run it.
#
# Conventions
#   - every server binds 127.0.0.1 only;
#   - runtime files live in $AUTHFRONT_RUN (default: <repo>/.run, git-ignored), one
#     sub-folder per component and port: pid file, log, state (keys);
#   - servers are started with setsid, so each leads its own process group;
#   - stop helpers kill exactly the pid recorded in a pid file (after checking
#     its command line still matches), never by name;
#   - installer output goes to $AUTHFRONT_RUN/install-*.log, not the console.

set -euo pipefail

AUTHFRONT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AUTHFRONT_RUN="${AUTHFRONT_RUN:-$AUTHFRONT_HOME/.run}"
AUTHFRONT_READY_TIMEOUT="${AUTHFRONT_READY_TIMEOUT:-60}"
export AUTHFRONT_HOME AUTHFRONT_RUN

af_log() { printf '[authfront] %s\n' "$*" >&2; }
af_die() { printf '[authfront] ERROR: %s\n' "$*" >&2; exit 1; }

# af_sudo CMD...: run as root (directly when already root).
af_sudo() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# af_quiet NAME CMD...: run an installer with its output in .run/install-NAME.log.
af_quiet() {
  local name="$1"; shift
  mkdir -p "$AUTHFRONT_RUN"
  local log="$AUTHFRONT_RUN/install-$name.log"
  if ! "$@" >>"$log" 2>&1; then
    af_log "$name: installer failed, details in $log"
    tail -n 20 "$log" >&2 || true
    return 1
  fi
}

# af_apt_missing PKG...: prints the packages of the list that are not installed.
af_apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
  done
}

# af_apt_ensure PKG...: install the Debian packages that are missing.
# Services shipped by the packages are NOT started by the install (a temporary
# policy-rc.d is put in place when the machine has none).
af_apt_ensure() {
  local missing=()
  mapfile -t missing < <(af_apt_missing "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || af_die "missing ${missing[*]} and no apt-get here: install them by hand"
  af_log "apt-get install ${missing[*]}"
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | af_sudo tee /usr/sbin/policy-rc.d >/dev/null
    af_sudo chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  if ! af_quiet apt af_sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y --no-install-recommends "${missing[@]}"; then
    af_log "running apt-get update and retrying"
    af_quiet apt af_sudo apt-get -o DPkg::Lock::Timeout=600 update || true
    af_quiet apt af_sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y --no-install-recommends "${missing[@]}" || rc=$?
  fi
  [ $made_policy = 1 ] && af_sudo rm -f /usr/sbin/policy-rc.d
  [ $rc = 0 ] || af_die "apt-get install ${missing[*]} failed"
}

# af_npm_ensure DIR: npm install in DIR (exact versions from package.json, no
# lock file, so no registry URL is ever written to the repository). Skipped
# when node_modules was installed from the same package.json.
af_npm_ensure() {
  local dir="$1"
  command -v node >/dev/null || af_apt_ensure nodejs npm
  command -v npm >/dev/null || af_apt_ensure npm
  local stamp="$dir/node_modules/.pkg.sha256" want
  want="$(sha256sum "$dir/package.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    af_log "npm install in ${dir#"$AUTHFRONT_HOME"/}/"
    (cd "$dir" && af_quiet npm npm install --no-audit --no-fund --no-package-lock --loglevel=error) \
      || af_die "npm install in $dir failed"
    echo "$want" > "$stamp"
  fi
}

# af_rundir COMPONENT [PORT] -> creates and prints .run/COMPONENT[-PORT]
af_rundir() {
  local d="$AUTHFRONT_RUN/$1${2:+-$2}"
  mkdir -p "$d"
  printf '%s' "$d"
}

# af_port_busy PORT: true when something accepts connections on 127.0.0.1:PORT
af_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# af_free_port [TAKEN...]: prints a port of 127.0.0.1 that nothing listens on and that is not
# one of TAKEN. Chosen between 10000 and 19999, below the kernel's ephemeral range (so no
# outgoing connection grabs it before the server binds) and below the 20000-29999 of the
# end-to-end tests' own servers; from a random start, so that runs side by side differ.
af_free_port() {
  local start=$(( RANDOM % 10000 )) i p t taken
  for (( i = 0; i < 10000; i++ )); do
    p=$(( 10000 + (start + i) % 10000 ))
    taken=0
    for t in "$@"; do [ "$t" = "$p" ] && taken=1; done
    [ $taken = 1 ] && continue
    af_port_busy "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# af_alive PIDFILE: true when the pid in PIDFILE is a live process
af_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# af_cmdline_has PID TEXT: true when the command line of PID contains TEXT
af_cmdline_has() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# af_already_running PIDFILE NAME [EXPECT]: returns 0 (with a note) when the
# recorded process is alive and, with EXPECT, its command line contains EXPECT;
# otherwise removes the stale pid file and returns 1.
af_already_running() {
  if af_alive "$1"; then
    if [ -z "${3:-}" ] || af_cmdline_has "$(cat "$1")" "$3"; then
      af_log "$2 already running (pid $(cat "$1"))"
      return 0
    fi
  fi
  rm -f "$1"
  return 1
}

# af_spawn PIDFILE LOGFILE CMD...: start CMD in the background in its own
# session (setsid), detached from this shell; record its pid.
af_spawn() {
  local pidfile="$1" logfile="$2"; shift 2
  : > "$logfile"
  set +m  # no job control: setsid then execs in place, so $! is the server pid
  setsid "$@" >>"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# af_wait_ready PIDFILE LOGFILE NAME CHECK-CMD...: poll CHECK-CMD until it
# succeeds; fail early (with the log tail) if the process dies or after
# $AUTHFRONT_READY_TIMEOUT seconds.
af_wait_ready() {
  local pidfile="$1" logfile="$2" name="$3"; shift 3
  local deadline=$(( $(date +%s) + AUTHFRONT_READY_TIMEOUT ))
  while :; do
    if "$@" >/dev/null 2>&1; then
      af_log "$name ready (pid $(cat "$pidfile"))"
      return 0
    fi
    if ! af_alive "$pidfile"; then
      tail -n 40 "$logfile" >&2 || true
      rm -f "$pidfile"
      af_die "$name exited during start-up (log: $logfile)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 40 "$logfile" >&2 || true
      af_die "$name not ready after ${AUTHFRONT_READY_TIMEOUT}s (log: $logfile)"
    fi
    sleep 0.2
  done
}

# af_http_ok URL: true when URL answers 2xx
af_http_ok() {
  curl -sf -o /dev/null --max-time 2 "$1"
}

# af_stop PIDFILE NAME [EXPECT]: TERM the recorded pid (and the process group it
# leads), wait up to 5 s, then KILL. EXPECT, when given, must appear in the
# process command line (guards against a recycled pid).
af_stop() {
  local pidfile="$1" name="$2" expect="${3:-}" pid _
  if ! [ -s "$pidfile" ]; then af_log "$name: not running (no pid file)"; return 0; fi
  pid="$(cat "$pidfile")"
  if ! kill -0 "$pid" 2>/dev/null; then
    af_log "$name: pid $pid not running"; rm -f "$pidfile"; return 0
  fi
  if [ -n "$expect" ] && ! af_cmdline_has "$pid" "$expect"; then
    af_log "$name: pid $pid is not ours any more (no '$expect' in its command line); removing stale pid file"
    rm -f "$pidfile"; return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  af_log "$name stopped (pid $pid)"
}

# af_cargo_env: the cargo on PATH (rustup's usual place included).
af_cargo_env() {
  if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
    PATH="$HOME/.cargo/bin:$PATH"; export PATH
  fi
  command -v cargo >/dev/null || af_die "cargo not found: install Rust (https://rustup.rs), then run this again"
}
