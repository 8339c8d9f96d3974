#!/usr/bin/env bash
# Install the S3 server of the tests, s3s-fs (crate s3s-fs: S3 over a plain folder, SigV4
# enforced), pinned, into .deps/cargo/bin (git-ignored). Does nothing when that version is
# there already, so CI can cache .deps/cargo between runs.
#   S3S_FS_VERSION  pinned below: 0.15+ needs rustc >= 1.96
# First install compiles the crate (a few minutes on 2 cores); prints the binary's path.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

S3S_FS_VERSION="${S3S_FS_VERSION:-0.14.1}"
DEPS="${AUTHFRONT_DEPS:-$AUTHFRONT_HOME/.deps}"
BIN="$DEPS/cargo/bin/s3s-fs"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -qF "$S3S_FS_VERSION"; then
  printf '%s\n' "$BIN"; exit 0
fi
af_cargo_env
af_apt_ensure build-essential pkg-config
af_log "cargo install s3s-fs $S3S_FS_VERSION (one-off compile, log in .run/install-s3s-fs.log)"
# its own target dir (not the workspace's): the build is independent of authfront's, and a
# shared one would hold the workspace build lock for minutes
af_quiet s3s-fs env -u CARGO_TARGET_DIR cargo install --locked --quiet s3s-fs --version "$S3S_FS_VERSION" \
  --features binary --root "$DEPS/cargo" --target-dir "$DEPS/s3s-fs-build" \
  || af_die "cargo install s3s-fs failed"
rm -rf "$DEPS/s3s-fs-build"
printf '%s\n' "$BIN"
