#!/usr/bin/env python3
"""Compare authfront's signed URLs and cookies with botocore's and @aws-sdk/cloudfront-signer's,
case by case, against the relations cases.json expects; check every signature of all three
with the public key (RSA PKCS#1 v1.5, SHA-1 or SHA-256 as `Hash-Algorithm` says).

  python compare.py PUBLIC.pem cases.json authfront.json botocore.json awssdk.json

Exit 0 when every relation is the expected one and every signature verifies.
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

SIGNING = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")

pub = serialization.load_pem_public_key(open(sys.argv[1], "rb").read())
table = json.load(open(sys.argv[2], encoding="utf-8"))
af, boto, sdk = (json.load(open(p, encoding="utf-8")) for p in sys.argv[3:6])


def cf_b64decode(s):
    return base64.b64decode(s.replace("-", "+").replace("_", "=").replace("~", "/"))


def encode_unsafe(s):
    """What authfront percent-encodes before signing (characters a URL cannot hold)."""
    return "".join(c if c in URL_SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in s)


def split(url):
    """(URL without signing parameters, [signing (name, value)] in order)."""
    base, _, query = url.partition("?")
    pairs = query.split("&") if query else []
    own = [p for p in pairs if p.split("=", 1)[0] not in SIGNING]
    signing = [tuple(p.split("=", 1)) for p in pairs if p.split("=", 1)[0] in SIGNING]
    return base + ("?" + "&".join(own) if own else ""), signing


def canned(resource, expires, ascii_only):
    doc = {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": int(expires)}}}]}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=ascii_only).encode()


def verifies(params, resources):
    """True when Signature verifies over Policy, or over the canned policy of one of `resources`."""
    algorithm = hashes.SHA256() if params.get("Hash-Algorithm") == "SHA256" else hashes.SHA1()
    sig = cf_b64decode(params["Signature"])
    if "Policy" in params:
        candidates = [cf_b64decode(params["Policy"])]
    else:
        candidates = [canned(r, params["Expires"], a) for r in resources for a in (False, True)]
    for policy in candidates:
        try:
            pub.verify(sig, policy, padding.PKCS1v15(), algorithm)
            return True
        except InvalidSignature:
            pass
    return False


def cookie_params(cookies):
    return {k.removeprefix("CloudFront-"): v for k, v in cookies.items()}


def url_relation(a, b):
    if b == "n/a":
        return "n/a"
    if isinstance(b, dict):
        return "error"
    if a == b:
        return "identical"
    (base_a, sig_a), (base_b, sig_b) = split(a), split(b)
    if base_a != base_b:
        return "url-differs"
    if dict(sig_a) == dict(sig_b):
        return "param-order"
    pa, pb = dict(sig_a), dict(sig_b)
    if pa.get("Policy") != pb.get("Policy") or pa.get("Expires") != pb.get("Expires"):
        return "policy-differs"
    return "different"


def cookie_relation(a, b):
    if b == "n/a":
        return "n/a"
    if "error" in b:
        return "error"
    if a == b:
        return "identical"
    if a.get("CloudFront-Policy") != b.get("CloudFront-Policy"):
        return "policy-differs"
    if "CloudFront-Expires" in a and a.get("CloudFront-Expires") == b.get("CloudFront-Expires"):
        return "policy-differs"  # same expiry, another signature: another canned resource
    return "different"


def decoded_policy(url_or_cookies):
    if isinstance(url_or_cookies, str):
        p = dict(split(url_or_cookies)[1]).get("Policy")
    else:
        p = url_or_cookies.get("CloudFront-Policy")
    return cf_b64decode(p).decode() if p else None


bad = 0
print(f"authfront : {af['library']}\nbotocore  : {boto['library']}\nAWS SDK   : {sdk['library']}\n")
print(f"{'case':30s} {'botocore url':16s} {'cookies':16s} {'AWS SDK url':16s} {'cookies':16s} result")
for c in table["cases"]:
    name = c["name"]
    a, libs = af["cases"][name], {"botocore": boto["cases"][name], "awssdk": sdk["cases"][name]}
    cells, notes = [], []
    for lib, out in libs.items():
        for kind in ("url", "cookies"):
            expected = c["expect"][lib].get(kind)
            if kind == "url" and "url" not in c:
                cells.append("-")
                continue
            got = url_relation(a["url"], out["url"]) if kind == "url" else cookie_relation(a["cookies"], out["cookies"])
            cells.append(got)
            if got != expected:
                bad += 1
                notes.append(f"{lib} {kind}: expected {expected}, got {got}\n      authfront: {a[kind]}\n      {lib}: {out[kind]}")
            elif got == "policy-differs":
                pa, pb = decoded_policy(a[kind]), decoded_policy(out[kind])
                if pa and pb:
                    notes.append(f"{lib} {kind} policy:\n      authfront: {pa}\n      {lib:9s}: {pb}")
            elif got == "url-differs" and kind == "url":
                notes.append(f"{lib} signed another URL:\n      authfront: {split(a['url'])[0]}\n      {lib:9s}: {split(out['url'])[0]}")
            elif got == "error":
                notes.append(f"{lib} {kind}: {out[kind]['error']}")
    # every signature, every library
    resources = [c.get("url", ""), encode_unsafe(c.get("url", ""))]
    for lib, out in [("authfront", a), *libs.items()]:
        if isinstance(out.get("url"), str) and out["url"] != "n/a":
            base, signing = split(out["url"])
            if not verifies(dict(signing), [base]):
                bad += 1
                notes.append(f"{lib} URL signature does NOT verify: {out['url']}")
        if isinstance(out.get("cookies"), dict) and "error" not in out["cookies"]:
            if not verifies(cookie_params(out["cookies"]), resources):
                bad += 1
                notes.append(f"{lib} cookie signature does NOT verify: {out['cookies']}")
    ok = not any("expected" in n or "NOT verify" in n for n in notes)
    print(f"{name:30s} {cells[0]:16s} {cells[1]:16s} {cells[2]:16s} {cells[3]:16s} {'ok' if ok else 'MISMATCH'}")
    for n in notes:
        print(f"    {n}")

print(f"\n{len(table['cases'])} cases; " + ("all as expected, every signature verifies" if not bad else f"{bad} PROBLEMS"))
sys.exit(1 if bad else 0)
