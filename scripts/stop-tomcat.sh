#!/usr/bin/env bash
# Stop the Tomcat started by start-tomcat.sh on PORT (by its pid file, never by name).
# Usage: scripts/stop-tomcat.sh [PORT]      (default 9810)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-9810}"
af_stop "$AUTHFRONT_RUN/tomcat-$PORT/pid" "tomcat :$PORT" "catalina.base=$AUTHFRONT_RUN/tomcat-$PORT"
