#!/usr/bin/env bash
# Fuzzing of authfront-core (docs/fuzzing.md): builds the cargo-fuzz targets of fuzz/ and runs
# each for SECONDS, one after the other, stopping at nothing: every target runs, then the exit
# status is non-zero if any of them crashed, timed out or failed to run.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]   each target (default: all) for SECONDS (default 30)
#   scripts/fuzz.sh --list                the targets
#   scripts/fuzz.sh --setup               only install what fuzzing needs (cargo-fuzz)
#   scripts/fuzz.sh --seeds               rewrite the seed corpus (fuzz/corpus/*/seed-*) from
#                                         fuzz/src (stable toolchain; commit the result)
#   scripts/fuzz.sh --merge [TARGET…]     add to the committed corpus what the working copy
#                                         covers beyond it (libFuzzer -merge=1); review the
#                                         size before committing
#
# Each run reads the committed corpus fuzz/corpus/TARGET/ and a working copy
# fuzz/.work/corpus/TARGET/ (git-ignored, kept between runs), and writes what it finds new to the
# working copy only. A crash, a timeout (an input slower than FUZZ_TIMEOUT seconds) or an
# out-of-memory is written under fuzz/.work/artifacts/TARGET/ and its path printed with the
# command that replays it. Logs: fuzz/.work/logs/TARGET.log.
#
# Installs what it needs: cargo-fuzz (pinned; the one on PATH if it is that version, else
# cargo install --locked into .deps/cargo/bin, or $AUTHFRONT_DEPS/cargo/bin: a minute or so,
# once). Toolchain: nightly when rustup has one, else the default toolchain with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags); FUZZ_TOOLCHAIN overrides (a non-nightly one
# also gets RUSTC_BOOTSTRAP=1).
# FUZZ_SANITIZER: address (default) or none (faster to build and run; CI uses it).
# FUZZ_CODEGEN_UNITS: 1 (default, fastest fuzzing) or more (faster build; CI uses 16).
# FUZZ_TIMEOUT: seconds one input may take (default 10). FUZZ_MAX_LEN: longest input
# (default 8192 bytes).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO_FUZZ_VERSION="${CARGO_FUZZ_VERSION:-0.13.2}"
DEPS="${AUTHFRONT_DEPS:-$AUTHFRONT_HOME/.deps}"
SANITIZER="${FUZZ_SANITIZER:-address}"
CGU="${FUZZ_CODEGEN_UNITS:-1}"
TIMEOUT="${FUZZ_TIMEOUT:-10}"
MAX_LEN="${FUZZ_MAX_LEN:-8192}"
FUZZ="$AUTHFRONT_HOME/fuzz"
WORK="$FUZZ/.work"

mode=run seconds=30 targets=()
case "${1:-}" in
  --list) mode=list; shift ;;
  --setup) mode=setup; shift ;;
  --seeds) mode=seeds; shift ;;
  --merge) mode=merge; shift ;;
  -h|--help) sed -n '2,/^source /{/^source /d;p;}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  ''|*[!0-9]*) ;;
  *) seconds="$1"; shift ;;
esac
targets=("$@")

af_cargo_env
if [ "$mode" = seeds ]; then
  af_log "writing the seed corpus (fuzz/corpus/*/seed-*)"
  env -u CARGO_TARGET_DIR cargo run --quiet --locked --manifest-path "$FUZZ/Cargo.toml" --example seeds
  exit 0
fi

# ---------------------------------------------------------------- cargo-fuzz, toolchain
has_cargo_fuzz() { cargo fuzz --version 2>/dev/null | grep -qF "cargo-fuzz $CARGO_FUZZ_VERSION"; }
PATH="$DEPS/cargo/bin:$PATH"
if ! has_cargo_fuzz; then
  af_apt_ensure build-essential
  af_log "cargo install cargo-fuzz $CARGO_FUZZ_VERSION (one-off, log in .run/install-cargo-fuzz.log)"
  af_quiet cargo-fuzz env -u CARGO_TARGET_DIR cargo install --locked --quiet cargo-fuzz \
    --version "$CARGO_FUZZ_VERSION" --root "$DEPS/cargo" --target-dir "$DEPS/cargo-fuzz-build" \
    || af_die "cargo install cargo-fuzz failed"
  rm -rf "$DEPS/cargo-fuzz-build"
  has_cargo_fuzz || af_die "cargo-fuzz $CARGO_FUZZ_VERSION is not on PATH after installing it"
fi
[ "$mode" = setup ] && exit 0
toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ] && command -v rustup >/dev/null && rustup toolchain list | grep -q '^nightly'; then
  toolchain=nightly
fi
fuzz() {
  local tc=()
  [ -z "$toolchain" ] || tc=("+$toolchain")
  case "$toolchain" in
    nightly*) env -u CARGO_TARGET_DIR cargo "${tc[@]}" fuzz "$@" ;;
    # a stable or beta toolchain takes cargo-fuzz's -Z flags only with RUSTC_BOOTSTRAP
    *) env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo "${tc[@]}" fuzz "$@" ;;
  esac
}
# one build folder per build kind, so that switching does not rebuild everything
FLAGS=(--fuzz-dir "$FUZZ" --sanitizer "$SANITIZER" --codegen-units "$CGU" --target-dir "$FUZZ/target/$SANITIZER-cgu$CGU")

mapfile -t all < <(fuzz list --fuzz-dir "$FUZZ")
[ ${#all[@]} -gt 0 ] || af_die "no fuzz targets in $FUZZ"
if [ "$mode" = list ]; then printf '%s\n' "${all[@]}"; exit 0; fi
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  printf '%s\n' "${all[@]}" | grep -qx -- "$t" || af_die "no fuzz target $t (scripts/fuzz.sh --list)"
done

# ---------------------------------------------------------------- build, once for all targets
t0=$(date +%s)
af_log "building ${#all[@]} fuzz targets (toolchain ${toolchain:-default}, sanitizer $SANITIZER, $CGU codegen units)"
mkdir -p "$WORK/logs"
if ! fuzz build "${FLAGS[@]}" >"$WORK/logs/build.log" 2>&1; then
  tail -n 40 "$WORK/logs/build.log" >&2
  af_die "the fuzz targets do not build (log: $WORK/logs/build.log)"
fi
af_log "built in $(( $(date +%s) - t0 ))s"

if [ "$mode" = merge ]; then
  for t in "${targets[@]}"; do
    mkdir -p "$WORK/corpus/$t" "$FUZZ/corpus/$t"
    before=$(find "$FUZZ/corpus/$t" -type f | wc -l)
    fuzz run "${FLAGS[@]}" "$t" "$FUZZ/corpus/$t" "$WORK/corpus/$t" -- -merge=1 -max_len="$MAX_LEN" \
      >"$WORK/logs/$t.merge.log" 2>&1 || af_die "merge of $t failed (log: $WORK/logs/$t.merge.log)"
    af_log "$t: committed corpus $before -> $(find "$FUZZ/corpus/$t" -type f | wc -l) files, $(du -sh "$FUZZ/corpus/$t" | cut -f1)"
  done
  exit 0
fi

# ---------------------------------------------------------------- run each target
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t" "$FUZZ/corpus/$t"
  log="$WORK/logs/$t.log"
  start=$(date +%s)
  rc=0
  fuzz run "${FLAGS[@]}" "$t" "$WORK/corpus/$t" "$FUZZ/corpus/$t" -- \
    -max_total_time="$seconds" -timeout="$TIMEOUT" -max_len="$MAX_LEN" -rss_limit_mb=2048 \
    -artifact_prefix="$WORK/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$WORK/corpus/$t" "$FUZZ/corpus/$t" -type f | wc -l)
  summary="$t: ${execs:-?} runs in $(( $(date +%s) - start ))s, coverage ${cov:-?}, corpus $corpus"
  if [ $rc = 0 ]; then
    af_log "$summary: ok"
  else
    failed+=("$t")
    af_log "$summary: FAILED (exit $rc), log $log"
    grep -E '^(==[0-9]+== ?ERROR|thread .* panicked|SUMMARY)' "$log" | head -5 >&2 || true
    grep -A3 'panicked at' "$log" | head -8 >&2 || true
    while read -r artefact; do
      af_log "crash artefact: $artefact"
      af_log "  replay: cargo +${toolchain:-stable} fuzz run --fuzz-dir fuzz -s $SANITIZER $t $artefact"
    done < <(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
  fi
done
[ ${#failed[@]} = 0 ] || af_die "fuzzing failed: ${failed[*]} (artefacts in $WORK/artifacts/)"
af_log "fuzzing: ${#targets[@]} targets x ${seconds}s, no crash"
