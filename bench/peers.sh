# shellcheck shell=bash
# bench/peers.sh -- sourced by bench/run.sh and bench/origins.sh (after scripts/lib.sh): starts and stops the
# benchmark's peers on loopback, signs in to them, reads memory. Every server gets its own
# folder, a pid file, and is stopped by that pid (never by name): authfront's in $BENCH_RUN,
# nginx's and Apache's (and the files they serve) in $WWW_RUN, which their www-data children
# can read (bench_www_run).

# bench_www_run: sets WWW_RUN to $BENCH_RUN, or -- as root, when www-data cannot reach it (a
# checkout under /root, say) -- to a fresh folder in /tmp, removed again by bench_stop_all.
bench_www_run() {
  WWW_RUN="$BENCH_RUN" WWW_RUN_TMP=""
  if [ "$(id -u)" = 0 ] && ! runuser -u www-data -- test -x "$BENCH_RUN" 2>/dev/null; then
    WWW_RUN_TMP="$(mktemp -d /tmp/authfront-bench.XXXXXX)"
    chmod 755 "$WWW_RUN_TMP"
    WWW_RUN="$WWW_RUN_TMP"
    af_log "www-data cannot read $BENCH_RUN: nginx, Apache and their files go to $WWW_RUN"
  fi
}

# bench_nginx_start PORT DOCROOT: nginx with bench/nginx.conf.in (the ceiling and the origin).
bench_nginx_start() {
  local port="$1" docroot="$2" run="$WWW_RUN/nginx"
  af_stop "$run/pid" "nginx :$port" nginx >/dev/null 2>&1 || true
  af_port_busy "$port" && af_die "127.0.0.1:$port is already in use by another process"
  mkdir -p "$run/tmp"
  local user_line=""; [ "$(id -u)" = 0 ] && user_line="user www-data;"
  sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|g" -e "s|@DOCROOT@|$docroot|g" -e "s|@USER@|$user_line|" \
    "$AUTHFRONT_HOME/bench/nginx.conf.in" > "$run/nginx.conf"
  /usr/sbin/nginx -t -q -e "$run/error.log" -c "$run/nginx.conf" || af_die "nginx config test failed"
  af_spawn "$run/pid" "$run/log" /usr/sbin/nginx -e "$run/error.log" -c "$run/nginx.conf" -g "daemon off;"
  af_wait_ready "$run/pid" "$run/log" "nginx :$port" af_http_ok "http://127.0.0.1:$port/healthz"
}

# bench_nginx_fa_start PORT DOCROOT AUTHFRONT-PORT APP-PORT: scenario E's nginx, in its own folder
# ($WWW_RUN/nginx-fa), with the server block of examples/forward-auth/nginx.conf
# (bench/nginx-forward-auth.conf.in): auth_request to authfront on every request, the files
# served by nginx itself from DOCROOT. BENCH_FA_KEEPALIVE=N (default 32, as the example's
# comment says; 0: a new connection to authfront per check) idle connections kept to authfront.
bench_nginx_fa_start() {
  local port="$1" docroot="$2" af="$3" app="$4" run="$WWW_RUN/nginx-fa" ka="${BENCH_FA_KEEPALIVE:-32}"
  af_stop "$run/pid" "nginx (forward-auth) :$port" nginx >/dev/null 2>&1 || true
  af_port_busy "$port" && af_die "127.0.0.1:$port is already in use by another process"
  mkdir -p "$run/tmp"
  local user_line=""; [ "$(id -u)" = 0 ] && user_line="user www-data;"
  local example="$AUTHFRONT_HOME/examples/forward-auth/nginx.conf" keep=""
  [ "$ka" != 0 ] && keep=" keepalive $ka;"
  # the example's server block (from `server {` on), with the three lines that name this machine
  sed -n '/^server {/,$p' "$example" | sed \
      -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$port backlog=4096;|" \
      -e "s|^\( *\)server_name app.example.com;|\1server_name 127.0.0.1;\n\1root $docroot;|" \
      -e "s|^\( *\)proxy_pass http://app;|\1try_files \$uri =404;  # bench: the files served by nginx itself|" \
    > "$run/server-block.conf"
  grep -q "listen 127.0.0.1:$port " "$run/server-block.conf" && grep -q "root $docroot;" "$run/server-block.conf" \
    && grep -q 'try_files $uri =404;' "$run/server-block.conf" && grep -q 'auth_request /_authfront/auth;' "$run/server-block.conf" \
    || af_die "$example changed: its listen, server_name, proxy_pass http://app or auth_request line is not where bench/peers.sh expects it"
  sed -e "s|@RUN@|$run|g" -e "s|@AF_PORT@|$af|g" -e "s|@APP_PORT@|$app|g" -e "s|@USER@|$user_line|" \
      -e "s|@AF_KEEPALIVE@|$keep|" "$AUTHFRONT_HOME/bench/nginx-forward-auth.conf.in" \
    | awk -v f="$run/server-block.conf" '$0 == "@SERVER_BLOCK@" { while ((getline l < f) > 0) print l; next } { print }' \
    > "$run/nginx.conf"
  /usr/sbin/nginx -t -q -e "$run/error.log" -c "$run/nginx.conf" || af_die "nginx (forward-auth) config test failed: $run/nginx.conf"
  af_spawn "$run/pid" "$run/log" /usr/sbin/nginx -e "$run/error.log" -c "$run/nginx.conf" -g "daemon off;"
  # authfront's own health page, through the example's `location /_authfront/`
  af_wait_ready "$run/pid" "$run/log" "nginx + auth_request :$port" af_http_ok "http://127.0.0.1:$port/_authfront/health"
}

# bench_apache_start PORT DOCROOT OP_ISSUER: Apache + mod_auth_openidc (bench/apache/httpd.conf.in).
bench_apache_start() {
  local port="$1" docroot="$2" issuer="$3" run="$WWW_RUN/apache"
  af_stop "$run/pid" "apache :$port" apache2 >/dev/null 2>&1 || true
  af_port_busy "$port" && af_die "127.0.0.1:$port is already in use by another process"
  mkdir -p "$run"
  local user_group=""
  if [ "$(id -u)" = 0 ]; then
    # httpd refuses to serve as root: its children run as www-data, which must read the files
    user_group=$'User www-data\nGroup www-data'
    runuser -u www-data -- test -r "$docroot/1k.bin" 2>/dev/null \
      || af_die "www-data cannot read $docroot"
  fi
  [ -s "$run/passphrase" ] || head -c 32 /dev/urandom | base64 | tr -d '/+=' > "$run/passphrase"
  sed -e "s|@RUN@|$run|g" -e "s|@PORT@|$port|g" -e "s|@DOCROOT@|$docroot|g" -e "s|@OP_ISSUER@|$issuer|g" \
      -e "s|@PASSPHRASE@|$(cat "$run/passphrase")|g" "$AUTHFRONT_HOME/bench/apache/httpd.conf.in" \
    | awk -v ug="$user_group" '{ if ($0 == "@USER_GROUP@") print ug; else print }' > "$run/httpd.conf"
  /usr/sbin/apache2 -f "$run/httpd.conf" -t > "$run/configtest.log" 2>&1 \
    || { cat "$run/configtest.log" >&2; af_die "apache config test failed"; }
  af_spawn "$run/pid" "$run/log" /usr/sbin/apache2 -f "$run/httpd.conf" -DFOREGROUND
  af_wait_ready "$run/pid" "$run/log" "apache + mod_auth_openidc :$port" \
    af_http_ok "http://127.0.0.1:$port/healthz.txt"
}

# bench_authfront_start NAME CONFIG PORT: `authfront serve` (warnings only in its log).
bench_authfront_start() {
  local name="$1" config="$2" port="$3" run="$BENCH_RUN/$1"
  mkdir -p "$run"
  af_stop "$run/pid" "authfront $name" "$BIN" >/dev/null 2>&1 || true
  af_port_busy "$port" && af_die "127.0.0.1:$port is already in use by another process"
  af_spawn "$run/pid" "$run/log" env AUTHFRONT_LOG=warn "$BIN" serve --config "$config"
  af_wait_ready "$run/pid" "$run/log" "authfront ($name) :$port" \
    af_http_ok "http://127.0.0.1:$port/_authfront/health"
}

bench_stop_all() {
  af_stop "$BENCH_RUN/authfront/pid" "authfront" "$BIN" >/dev/null 2>&1 || true
  af_stop "$WWW_RUN/apache/pid" "apache" apache2 >/dev/null 2>&1 || true
  af_stop "$WWW_RUN/nginx-fa/pid" "nginx (forward-auth)" nginx >/dev/null 2>&1 || true
  af_stop "$WWW_RUN/nginx/pid" "nginx" nginx >/dev/null 2>&1 || true
  [ -z "${WWW_RUN_TMP:-}" ] || rm -rf "$WWW_RUN_TMP"
  "$AUTHFRONT_HOME/scripts/stop-oidc-provider.sh" "$OP_PORT" >/dev/null 2>&1 || true
}

# bench_login URL COOKIE-NAME JAR: the whole sign-in as a browser without a form would do it
# (the provider signs alice in by itself), following every redirect with a cookie jar; prints
# `Cookie: NAME=VALUE` for wrk, and fails unless the cookie alone then gets a 200.
bench_login() {
  local url="$1" name="$2" jar="$3" code value
  rm -f "$jar"
  code="$(curl -s -L --max-redirs 20 --max-time 30 -c "$jar" -b "$jar" -H 'Accept: text/html' \
    -o /dev/null -w '%{http_code}' "$url")" || true
  value="$(awk -v n="$name" '$6 == n { print $7 }' "$jar" | tail -n 1)"
  [ -n "$value" ] || af_die "signing in at $url gave no $name cookie (last answer HTTP $code)"
  code="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: $name=$value" "$url")"
  [ "$code" = 200 ] || af_die "the $name cookie from $url is not accepted (HTTP $code)"
  code="$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$url")"
  [ "$code" != 200 ] || af_die "$url answers 200 without a session: it is not protected"
  printf 'Cookie: %s=%s' "$name" "$value"
}

# bench_cpu_ticks SESSION: the CPU time (user + system, clock ticks) of every process in the
# session SESSION (a server started by af_spawn leads its own: nginx's and Apache's workers
# included), plus what its reaped children used.
bench_cpu_ticks() {
  # a process may end between the glob and the read: what is left is still summed
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v sid="$1" '
    { sub(/^.*\) /, "") }     # past "pid (comm) ": $4 is the session, $12-$15 the times
    $4 == sid { t += $12 + $13 + $14 + $15 }
    END { print t + 0 }'
}

# bench_config_head LISTEN-PORT PUBLIC-PORT OP-PORT: the part of a benchmark's authfront config
# that every benchmark shares -- the test provider's confidential client, a session key in
# session.key beside the config, plain HTTP, the `staff` group required -- up to `[origin]`.
bench_config_head() {
  cat <<EOF
[server]
listen = "127.0.0.1:$1"
public_url = "http://127.0.0.1:$2"
[oidc]
issuer = "http://127.0.0.1:$3"
client_id = "authfront-confidential"
client_secret = "authfront-confidential-secret"
scopes = ["openid", "email", "profile", "groups"]
[session]
keys = [{ file = "session.key" }]
secure = false
[access]
required_groups = ["staff"]
EOF
}

# bench_mem PID FIELD: a /proc/PID/status field (VmRSS, VmHWM) in KiB.
bench_mem() {
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
