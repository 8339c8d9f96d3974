#!/usr/bin/env bash
# Start Debian's tomcat10 as an HTTP origin on 127.0.0.1:PORT (installing it if needed; the
# package's own service is never started). Its own CATALINA_BASE in .run/tomcat-PORT/: a minimal
# server.xml (one HTTP connector on loopback, no shutdown port, no AJP), a web.xml with only the
# DefaultServlet (static files, no listings), a small JVM heap.
# Usage: scripts/start-tomcat.sh [PORT]      (default 9810)
# The webapp `t` (context path /t) is written at every start; each file's body carries a marker
# the tests identify it by:
#   /t/public/index.html   AF-MARK-PUBLIC-INDEX
#   /t/public/other.html   AF-MARK-PUBLIC-OTHER
#   /t/secret.html         AF-MARK-SECRET
# Requests Tomcat saw are logged to .run/tomcat-PORT/logs/access.log ("METHOD TARGET HTTP/1.1 STATUS", the request line as sent).
# Prints TOMCAT_URL=... and TOMCAT_ACCESS_LOG=...; running it again while that instance is up
# does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-9810}"
case "$PORT" in ''|*[!0-9]*) af_die "usage: start-tomcat.sh [PORT]" ;; esac
RUN="$(af_rundir tomcat "$PORT")"
HOME_DIR=/usr/share/tomcat10
af_apt_ensure tomcat10
command -v java >/dev/null || af_die "tomcat10 is installed but there is no java on PATH"

write_webapp() {
  local app="$RUN/webapps/t"
  rm -rf "$app"
  mkdir -p "$app/public"
  printf '<!DOCTYPE html><title>public</title><p>AF-MARK-PUBLIC-INDEX</p>\n' > "$app/public/index.html"
  printf '<!DOCTYPE html><title>other</title><p>AF-MARK-PUBLIC-OTHER</p>\n' > "$app/public/other.html"
  printf '<!DOCTYPE html><title>secret</title><p>AF-MARK-SECRET</p>\n' > "$app/secret.html"
}

if ! af_already_running "$RUN/pid" "tomcat :$PORT" "catalina.base=$RUN"; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  mkdir -p "$RUN/conf" "$RUN/logs" "$RUN/temp" "$RUN/work" "$RUN/webapps"
  sed -e "s|@PORT@|$PORT|g" "$AUTHFRONT_HOME/scripts/tomcat/server.xml.in" > "$RUN/conf/server.xml"
  cp "$AUTHFRONT_HOME/scripts/tomcat/web.xml" "$AUTHFRONT_HOME/scripts/tomcat/logging.properties" "$RUN/conf/"
  # the package's catalina.properties (class loaders, jars not to scan); /etc/tomcat10 is
  # root:tomcat 0640, the copy in /usr/share is world-readable
  cp "$HOME_DIR/etc/catalina.properties" "$RUN/conf/"
  write_webapp
  : > "$RUN/logs/access.log"
  # java directly, not catalina.sh, so the pid file holds the JVM's pid
  af_spawn "$RUN/pid" "$RUN/log" java -Xms16m -Xmx96m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:-UsePerfData -Djava.awt.headless=true -Djava.security.egd=file:/dev/./urandom \
    -Dcatalina.home="$HOME_DIR" -Dcatalina.base="$RUN" -Djava.io.tmpdir="$RUN/temp" \
    -Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager \
    -Djava.util.logging.config.file="$RUN/conf/logging.properties" \
    -cp "$HOME_DIR/bin/bootstrap.jar:$HOME_DIR/bin/tomcat-juli.jar" \
    org.apache.catalina.startup.Bootstrap start
  af_wait_ready "$RUN/pid" "$RUN/log" "tomcat :$PORT" af_http_ok "http://127.0.0.1:$PORT/t/public/index.html"
fi
echo "TOMCAT_URL=http://127.0.0.1:$PORT"
echo "TOMCAT_ACCESS_LOG=$RUN/logs/access.log"
