#!/usr/bin/env python3
"""authfront's edge against signatures made by botocore's CloudFrontSigner: `authfront serve` in
front of a folder, `/downloads/*` a signed path; signed URLs and signed cookies are accepted,
every kind of tampering is refused (403), a request without a signature starts a login.

  python edge_check.py AUTHFRONT-BINARY PRIVATE.pem PUBLIC.pem WORKDIR [ISSUER]

ISSUER: a running OpenID provider (a request without a signature must then redirect to it);
without one the issuer is a closed port and such a request gets authfront's 502 page.
"""
import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

binary, key_file, pub_file, work = sys.argv[1:5]
issuer = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
KEY_ID = "K2JCJMDEHXQW5F"
key = serialization.load_pem_private_key(open(key_file, "rb").read(), None)
signer = CloudFrontSigner(KEY_ID, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
other_signer = CloudFrontSigner("KOTHER", lambda m: other.sign(m, padding.PKCS1v15(), hashes.SHA1()))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
os.makedirs(work, exist_ok=True)
files = {
    "downloads/a.txt": "download A\n",
    "downloads/sub/b.txt": "download B\n",
    "downloads/dir/index.html": "<p>dir index</p>\n",
    "private/c.txt": "private C\n",
}
for path, body in files.items():
    os.makedirs(os.path.join(work, "site", os.path.dirname(path)), exist_ok=True)
    open(os.path.join(work, "site", path), "w").write(body)
open(os.path.join(work, "public.pem"), "wb").write(open(pub_file, "rb").read())
open(os.path.join(work, "other.pub.pem"), "wb").write(
    other.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
)
session_key = subprocess.run([binary, "keygen"], capture_output=True, text=True, check=True).stdout.strip()
config = f"""
[server]
listen = "127.0.0.1:{PORT}"
public_url = "{BASE}"
[oidc]
issuer = "{issuer or 'http://127.0.0.1:9'}"
client_id = "authfront-cloudfront-edge-check"
client_secret = "not-used"
http_timeout = "3s"
[session]
keys = ["{session_key}"]
[origin]
dir = "site"
[cloudfront.key_groups.partners]
{KEY_ID} = {{ file = "public.pem" }}
KOTHER = {{ file = "other.pub.pem" }}
[[cloudfront.signed_paths]]
paths = ["/downloads/*"]
key_group = "partners"
"""
open(os.path.join(work, "authfront.toml"), "w").write(config)
log = open(os.path.join(work, "authfront.log"), "w")
proc = subprocess.Popen([binary, "serve", "--config", os.path.join(work, "authfront.toml")], stdout=log, stderr=log)


def request(path, cookie=None, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if host:
        headers["Host"] = host
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body


try:
    for _ in range(300):
        try:
            if request("/_authfront/health")[0] == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None:
            sys.exit("authfront exited during start-up:\n" + open(os.path.join(work, "authfront.log")).read())
        time.sleep(0.1)
    else:
        sys.exit("authfront did not become healthy")

    NOW = int(time.time())
    EXP = NOW + 3600
    ts = lambda t: datetime.fromtimestamp(t, tz=timezone.utc)
    failures = 0

    def path_of(url):
        assert url.startswith(BASE), url
        return url[len(BASE):]

    def canned(path, expires=EXP):
        return path_of(signer.generate_presigned_url(BASE + path, date_less_than=ts(expires)))

    def custom(path, resource, start=None, ip=None, s=signer):
        policy = s.build_policy(BASE + resource, ts(EXP), date_greater_than=ts(start) if start else None, ip_address=ip)
        return path_of(s.generate_presigned_url(BASE + path, policy=policy)), policy

    def cookies_for(signed_path):
        query = signed_path.split("?", 1)[1]
        pairs = dict(p.split("=", 1) for p in query.split("&"))
        return "; ".join(f"CloudFront-{k}={v}" for k, v in pairs.items() if k in ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"))

    def param(path, name, value):
        base, query = path.split("?", 1)
        return base + "?" + "&".join(f"{name}={value}" if p.split("=", 1)[0] == name else p for p in query.split("&"))

    def check(what, path, want, cookie=None, host=None, body=None, location=None):
        global failures
        status, headers, text = request(path, cookie, host)
        problems = []
        if status != want:
            problems.append(f"status {status}, expected {want}")
        if body is not None and body not in text:
            problems.append(f"body lacks {body!r}")
        if want == 403 and ("Access denied" not in text or "no-store" not in headers.get("cache-control", "")):
            problems.append("not authfront's no-store 403 page")
        if location is not None and headers.get("location") != location:
            problems.append(f"Location {headers.get('location')!r}, expected {location!r}")
        print(f"  {'ok  ' if not problems else 'FAIL'} {status} {what}")
        if problems:
            failures += 1
            print(f"       {path}\n       " + "; ".join(problems))
        return status, headers

    print(f"authfront at {BASE}, /downloads/* signed by key group {{{KEY_ID}, KOTHER}}")
    print("accepted:")
    a = canned("/downloads/a.txt")
    check("canned signed URL", a, 200, body="download A")
    check("canned, the site's own query string kept", canned("/downloads/a.txt?v=1&w=x%20y"), 200, body="download A")
    base, query = a.split("?", 1)
    check("parameters in reverse order", base + "?" + "&".join(reversed(query.split("&"))), 200)
    check("parameter values percent-encoded", param(a, "Signature", dict(p.split("=", 1) for p in query.split("&"))["Signature"].replace("~", "%7E").replace("-", "%2D")), 200)
    wild, _ = custom("/downloads/sub/b.txt", "/downloads/*")
    check("custom policy, wildcard resource", wild, 200, body="download B")
    check("custom policy, IpAddress 127.0.0.1 (the client)", custom("/downloads/a.txt", "/downloads/*", ip="127.0.0.1")[0], 200)
    check("custom policy, DateGreaterThan in the past", custom("/downloads/a.txt", "/downloads/*", start=NOW - 60)[0], 200)
    check("signed by the key group's other key", custom("/downloads/a.txt", "/downloads/*", s=other_signer)[0], 200)
    sha256_policy = json.dumps({"Statement": [{"Resource": BASE + "/downloads/a.txt", "Condition": {"DateLessThan": {"AWS:EpochTime": EXP}}}]}, separators=(",", ":")).encode()
    sha256_sig = base64.b64encode(key.sign(sha256_policy, padding.PKCS1v15(), hashes.SHA256())).decode().translate(str.maketrans("+=/", "-_~"))
    sha256 = f"/downloads/a.txt?Expires={EXP}&Signature={sha256_sig}&Key-Pair-Id={KEY_ID}&Hash-Algorithm=SHA256"
    check("RSA-SHA256 with Hash-Algorithm=SHA256", sha256, 200)
    check("signed cookies (custom policy, wildcard)", "/downloads/sub/b.txt", 200, cookie=cookies_for(wild), body="download B")
    check("signed cookies (canned) for their URL", "/downloads/a.txt", 200, cookie=cookies_for(a))
    dir_url = canned("/downloads/dir?x=1")
    check("signing parameters never reach the origin (its redirect keeps only x=1)", dir_url, 301, location="/downloads/dir/?x=1")

    print("refused (403):")
    check("expired", canned("/downloads/a.txt", expires=NOW - 10), 403, body="expired")
    check("DateGreaterThan in the future", custom("/downloads/a.txt", "/downloads/*", start=NOW + 600)[0], 403, body="not valid yet")
    check("IpAddress elsewhere (192.0.2.0/24)", custom("/downloads/a.txt", "/downloads/*", ip="192.0.2.0/24")[0], 403)
    check("IpAddress IPv6 range", custom("/downloads/a.txt", "/downloads/*", ip="2001:db8::/32")[0], 403)
    check("resource for another path", custom("/downloads/a.txt", "/private/*")[0], 403)
    check("tampered path", a.replace("/a.txt", "/sub/b.txt"), 403)
    check("tampered query value", canned("/downloads/a.txt?v=1").replace("v=1", "v=2"), 403)
    check("query parameter added", a + "&extra=1", 403)
    check("tampered Expires", param(a, "Expires", str(EXP + 1)), 403)
    sig = dict(p.split("=", 1) for p in query.split("&"))["Signature"]
    check("tampered Signature (one character)", param(a, "Signature", sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]), 403)
    check("truncated Signature", param(a, "Signature", sig[:-8]), 403)
    wild_policy_url, wild_policy = custom("/downloads/a.txt", "/downloads/a.txt")
    widened = wild_policy.replace("/downloads/a.txt", "/*")
    forged = param(wild_policy_url, "Policy", base64.b64encode(widened.encode()).decode().translate(str.maketrans("+=/", "-_~")))
    check("tampered Policy (resource widened)", forged.replace("/downloads/a.txt?", "/downloads/sub/b.txt?"), 403)
    check("unknown Key-Pair-Id", param(a, "Key-Pair-Id", "KUNKNOWN"), 403)
    check("Key-Pair-Id of the group's other key", param(a, "Key-Pair-Id", "KOTHER"), 403)
    check("Hash-Algorithm=SHA256 on a SHA-1 signature", a + "&Hash-Algorithm=SHA256", 403)
    check("SHA-256 signature without Hash-Algorithm", sha256.replace("&Hash-Algorithm=SHA256", ""), 403)
    check("both Expires and Policy", wild + f"&Expires={EXP}", 403)
    check("a parameter twice", a + f"&Key-Pair-Id={KEY_ID}", 403)
    check("signed cookies for another path", "/downloads/sub/b.txt", 403, cookie=cookies_for(a))
    evil_url = signer.generate_presigned_url("http://evil.test/downloads/a.txt", date_less_than=ts(EXP))
    check("signed for another host, Host header forged", evil_url[len("http://evil.test"):], 403, host="evil.test")

    print("no signature: like any protected path")
    status, headers = request("/downloads/a.txt")[:2]
    if issuer:
        want_ok = status == 302 and headers.get("location", "").startswith(issuer)
        print(f"  {'ok  ' if want_ok else 'FAIL'} {status} a login starts (redirect to {issuer})")
    else:
        want_ok = status == 502
        print(f"  {'ok  ' if want_ok else 'FAIL'} {status} a login is attempted (no provider here: authfront's 502 page)")
    failures += not want_ok
    status = request(canned("/private/c.txt"))[0]
    want_ok = status in (302, 502)
    print(f"  {'ok  ' if want_ok else 'FAIL'} {status} a signature on a path that is not signed is ignored")
    failures += not want_ok

    print("all accepted and refused as expected" if not failures else f"{failures} FAILURES (log: {work}/authfront.log)")
    sys.exit(1 if failures else 0)
finally:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
