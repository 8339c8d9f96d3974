#!/usr/bin/env python3
"""Sign every case of cases.json with botocore's CloudFrontSigner (RSA PKCS#1 v1.5 / SHA-1 via
`cryptography`), the signer behind `aws cloudfront sign`.

  python sign_botocore.py KEY.pem cases.json  -> JSON on stdout

Policy choice as the AWS CLI makes it: custom when the case has a `resource`, `start` or `ip`,
canned otherwise. botocore has no cookie helper: cookie values are the query parameters of the
signed URL for the cookie's resource, which is how CloudFront defines them. botocore cannot
sign with SHA-256; those cases get only the policy it builds (`policy`), no URL or cookies.
"""
import json
import sys
import urllib.parse
from datetime import datetime, timezone

import botocore
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

key_file, cases_file = sys.argv[1:3]
table = json.load(open(cases_file, encoding="utf-8"))
with open(key_file, "rb") as f:
    key = serialization.load_pem_private_key(f.read(), password=None)
signer = CloudFrontSigner(table["key_pair_id"], lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))


def ts(t):
    return datetime.fromtimestamp(t, tz=timezone.utc) if t else None


def sign(c, url, resource):
    """A signed URL for `url` granting `resource` (custom) or exactly `url`."""
    if resource or "start" in c or "ip" in c:
        policy = signer.build_policy(resource or url, ts(c["expires"]), date_greater_than=ts(c.get("start")), ip_address=c.get("ip"))
        return signer.generate_presigned_url(url, policy=policy), policy
    return signer.generate_presigned_url(url, date_less_than=ts(c["expires"])), None


def cookies_of(signed_url):
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(signed_url).query, keep_blank_values=True))
    out = {}
    for name in ("Expires", "Policy", "Signature", "Key-Pair-Id"):
        if name in q:
            out["CloudFront-" + name] = q[name]
    return out


out = {"library": f"botocore {botocore.__version__}", "cases": {}}
for c in table["cases"]:
    r = {}
    resource = c.get("resource")
    if resource:
        r["policy"] = signer.build_policy(resource, ts(c["expires"]), date_greater_than=ts(c.get("start")), ip_address=c.get("ip"))
    if c.get("hash") == "SHA256":
        r["url"] = r["cookies"] = "n/a"
    else:
        if "url" in c:
            r["url"], _ = sign(c, c["url"], resource)
        r["cookies"] = cookies_of(sign(c, resource or c["url"], resource)[0])
    out["cases"][c["name"]] = r
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
