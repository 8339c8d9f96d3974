#!/usr/bin/env bash
# Stop the s3s-fs started by start-s3s-fs.sh on PORT (by its pid file, never by name).
# Usage: scripts/stop-s3s-fs.sh [PORT]      (default 9700)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PORT="${1:-9700}"
af_stop "$AUTHFRONT_RUN/s3s-fs-$PORT/pid" "s3s-fs :$PORT" s3s-fs
