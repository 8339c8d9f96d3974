#!/usr/bin/env python3
"""Check CloudFront signed cookies the way CloudFront does, independently of authfront: the
signature (RSA PKCS#1 v1.5, SHA-1 or SHA-256 per CloudFront-Hash-Algorithm) over the policy
with the public key, then the policy's conditions and `Resource` wildcard for each URL.

  python verify_cookies.py PUBLIC.pem COOKIES.json (allow URL | deny URL)...

COOKIES.json: {"CloudFront-Policy": ..., "CloudFront-Signature": ..., "CloudFront-Key-Pair-Id": ...}
(or CloudFront-Expires plus the canned URL as the first `allow`). Exit 0 when the signature
verifies and every `allow` URL is granted now and every `deny` URL is not.
"""
import base64
import json
import re
import sys
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

pub = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
cookies = json.load(open(sys.argv[2], encoding="utf-8"))
checks = list(zip(sys.argv[3::2], sys.argv[4::2]))


def cf_b64decode(s):
    return base64.b64decode(s.replace("-", "+").replace("_", "=").replace("~", "/"))


def matches(pattern, url):
    """CloudFront's Resource wildcards: `*` any run of characters, `?` exactly one."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, url, re.S) is not None


algorithm = hashes.SHA256() if cookies.get("CloudFront-Hash-Algorithm") == "SHA256" else hashes.SHA1()
if "CloudFront-Policy" in cookies:
    policy_bytes = cf_b64decode(cookies["CloudFront-Policy"])
else:
    resource = checks[0][1]
    doc = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": int(cookies["CloudFront-Expires"])}}}]}
    policy_bytes = json.dumps(doc, separators=(",", ":")).encode()
signature = cf_b64decode(cookies["CloudFront-Signature"])
try:
    if isinstance(pub, rsa.RSAPublicKey):
        pub.verify(signature, policy_bytes, padding.PKCS1v15(), algorithm)
    else:
        pub.verify(signature, policy_bytes, ec.ECDSA(algorithm))
except InvalidSignature:
    sys.exit("the signature does NOT verify with the public key")
policy = json.loads(policy_bytes)
statement = policy["Statement"][0]
cond = statement["Condition"]
now = time.time()
print(f"signature ok (key {cookies.get('CloudFront-Key-Pair-Id')}); policy {policy_bytes.decode()}")
bad = 0
for verdict, url in checks:
    granted = (
        now < cond["DateLessThan"]["AWS:EpochTime"]
        and now > cond.get("DateGreaterThan", {}).get("AWS:EpochTime", 0)
        and matches(statement.get("Resource", "*"), url)
    )
    ok = granted == (verdict == "allow")
    bad += not ok
    print(f"  {'ok  ' if ok else 'FAIL'} {'granted' if granted else 'refused'}: {url}")
sys.exit(1 if bad else 0)
