#!/usr/bin/env bash
# Start s3s-fs (an S3 server over a plain folder; it really checks SigV4: unsigned or wrongly
# signed requests get 403) on 127.0.0.1:PORT, installing it first if needed.
# Usage: scripts/start-s3s-fs.sh [PORT] [BUCKET...]      (default port 9700)
#   S3S_ACCESS_KEY / S3S_SECRET_KEY  credentials (test-only defaults below)
#   S3S_ROOT   data folder (default .run/s3s-fs-PORT/data): a bucket is a sub-folder, an object
#              a file, so tests seed content without the S3 API.
# Prints S3_ENDPOINT, S3_ROOT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION
# (eval-able); running it again while that instance is up does nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${1:-9700}"; shift || true
RUN="$(af_rundir s3s-fs "$PORT")"
ROOT="${S3S_ROOT:-$RUN/data}"
AK="${S3S_ACCESS_KEY:-AKIAAUTHFRONTTEST001}"
SK="${S3S_SECRET_KEY:-authfront-test-s3s-secret-key-0000000001}"
BIN="$("$AUTHFRONT_HOME/scripts/install-s3s-fs.sh")"

mkdir -p "$ROOT"
for b in "$@"; do mkdir -p "$ROOT/$b"; done
if ! af_already_running "$RUN/pid" "s3s-fs :$PORT" s3s-fs; then
  af_port_busy "$PORT" && af_die "127.0.0.1:$PORT is already in use by another process"
  af_spawn "$RUN/pid" "$RUN/log" "$BIN" --host 127.0.0.1 --port "$PORT" --access-key "$AK" --secret-key "$SK" "$ROOT"
  # any HTTP answer (an unsigned request gets 403) means it is up
  af_wait_ready "$RUN/pid" "$RUN/log" "s3s-fs :$PORT" curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"
fi
printf 'S3_ENDPOINT=http://127.0.0.1:%s\nS3_ROOT=%s\nAWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nAWS_DEFAULT_REGION=us-east-1\n' \
  "$PORT" "$ROOT" "$AK" "$SK"
