#!/usr/bin/env bash
# CloudFront checks, run by scripts/test.sh (its end-to-end part) and runnable alone:
#
#   scripts/test-cloudfront.sh            everything below
#   scripts/test-cloudfront.sh --setup    only install what the checks need (the venv, npm)
#
# 1. installs what is missing: a Python venv in .deps/cloudfront-venv with the pinned
#    botocore, cryptography and cfn-lint of scripts/cloudfront/requirements.txt (PyPI), and
#    the pinned @aws-sdk/cloudfront-signer of scripts/cloudfront/package.json (npm)
# 2. cfn-lint deploy/cloudfront/template.yaml
# 3. builds authfront (cargo build -p authfront)
# 4. signers: authfront's sign-url / sign-cookies against botocore's CloudFrontSigner and
#    @aws-sdk/cloudfront-signer over scripts/cloudfront/cases.json, byte for byte, each
#    difference asserted as expected; every signature checked with the public key
# 5. edge: URLs and cookies signed by botocore against `authfront serve` (a folder origin,
#    /downloads/* signed): accepted; every kind of tampering refused with 403. With
#    $AUTHFRONT_TEST_OP set (scripts/test.sh sets it), an unsigned request must start a login
#    there.
# Key pair and outputs: .run/cloudfront/ (private.pem, public.pem, *.json, edge/).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_only=0
for arg in "$@"; do
  case "$arg" in
    --setup) setup_only=1 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) af_die "unknown argument $arg (try --help)" ;;
  esac
done

CF="$AUTHFRONT_HOME/scripts/cloudfront"
OUT="$(af_rundir cloudfront)"
VENV="$AUTHFRONT_HOME/.deps/cloudfront-venv"
PY="$VENV/bin/python"
step() { printf '\n[authfront] ---- cloudfront: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- 1. tools
step "installing what is missing (venv: botocore, cryptography, cfn-lint; npm: @aws-sdk/cloudfront-signer)"
command -v openssl >/dev/null || af_apt_ensure openssl
if ! python3 -m venv --help >/dev/null 2>&1; then af_apt_ensure python3 python3-venv; fi
if [ ! -x "$PY" ]; then
  af_log "creating the Python venv .deps/cloudfront-venv"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" || { rm -rf "$VENV"; af_apt_ensure python3-venv; python3 -m venv "$VENV"; }
fi
want="$(sha256sum "$CF/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$VENV/.req.sha256" 2>/dev/null)" != "$want" ]; then
  af_log "pip install -r scripts/cloudfront/requirements.txt"
  af_quiet pip "$PY" -m pip install --disable-pip-version-check -q -r "$CF/requirements.txt" || af_die "pip install failed"
  echo "$want" > "$VENV/.req.sha256"
fi
af_npm_ensure "$CF"
[ $setup_only = 1 ] && exit 0

# ---------------------------------------------------------------- 2. the CloudFormation template
step "cfn-lint deploy/cloudfront/template.yaml ($("$VENV/bin/cfn-lint" --version))"
"$VENV/bin/cfn-lint" -- "$AUTHFRONT_HOME/deploy/cloudfront/template.yaml"
af_log "template.yaml: no cfn-lint findings"

# ---------------------------------------------------------------- 3. authfront
step "cargo build -p authfront"
af_cargo_env
cargo build --locked -q -p authfront
# A copy, taken right after the build: a target folder shared with other checkouts may get
# another build of the binary meanwhile.
BIN="$OUT/authfront"
cp "$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/authfront" "$BIN"
"$BIN" sign-url --help >/dev/null || af_die "$BIN has no sign-url: was the target folder rebuilt from another branch?"

# ---------------------------------------------------------------- 4. signers
if [ ! -s "$OUT/private.pem" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT/private.pem" 2>/dev/null
  openssl pkey -in "$OUT/private.pem" -pubout -out "$OUT/public.pem"
fi
step "signers: authfront vs botocore vs @aws-sdk/cloudfront-signer ($("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$CF/cases.json") cases of scripts/cloudfront/cases.json)"
"$PY" "$CF/sign_authfront.py" "$BIN" "$OUT/private.pem" "$CF/cases.json" > "$OUT/authfront.json"
"$PY" "$CF/sign_botocore.py" "$OUT/private.pem" "$CF/cases.json" > "$OUT/botocore.json"
(cd "$CF" && node sign_awssdk.mjs "$OUT/private.pem" "$CF/cases.json" "$OUT/botocore.json") > "$OUT/awssdk.json"
"$PY" "$CF/compare.py" "$OUT/public.pem" "$CF/cases.json" "$OUT/authfront.json" "$OUT/botocore.json" "$OUT/awssdk.json"

# ---------------------------------------------------------------- 5. edge
step "edge: botocore-signed URLs and cookies against authfront serve"
rm -rf "$OUT/edge"
"$PY" "$CF/edge_check.py" "$BIN" "$OUT/private.pem" "$OUT/public.pem" "$OUT/edge" "${AUTHFRONT_TEST_OP:-}"
