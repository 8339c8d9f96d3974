#!/usr/bin/env python3
"""Regenerates jwks.json (the public halves of the *.pem test keys) and rsa1.pub.pem with openssl.

The keys themselves were made once with:
  openssl genrsa -traditional -out rsa1.pem 2048   (and rsa2.pem)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.pem  (P-384: ec384.pem)
  openssl genpkey -algorithm ed25519 -out ed25519.pem
They are test fixtures only: never use them for anything else.
"""
import base64, json, subprocess

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def pub_der(pem):
    return subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout

def rsa(pem, kid, extra):
    out = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-modulus"],
                         check=True, capture_output=True, text=True).stdout
    n = bytes.fromhex(out.strip().split("=", 1)[1])
    text = subprocess.run(["openssl", "rsa", "-in", pem, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    e = int(text.split("publicExponent: ")[1].split(" ")[0])
    return {"kty": "RSA", "kid": kid, **extra, "n": b64u(n), "e": b64u(e.to_bytes(3, "big"))}

def ec(pem, kid, crv, size, extra):
    point = pub_der(pem)[-(1 + 2 * size):]
    assert point[0] == 4
    return {"kty": "EC", "kid": kid, **extra, "crv": crv,
            "x": b64u(point[1:1 + size]), "y": b64u(point[1 + size:])}

def ed(pem, kid, extra):
    return {"kty": "OKP", "kid": kid, **extra, "crv": "Ed25519", "x": b64u(pub_der(pem)[-32:])}

keys = [
    rsa("rsa1.pem", "rsa1", {"use": "sig", "alg": "RS256"}),
    rsa("rsa2.pem", "rsa2", {}),
    ec("ec256.pem", "ec256", "P-256", 32, {"use": "sig", "alg": "ES256"}),
    ec("ec384.pem", "ec384", "P-384", 48, {"use": "sig"}),
    ed("ed25519.pem", "ed25519", {"alg": "EdDSA"}),
]
subprocess.run(["openssl", "pkey", "-in", "rsa1.pem", "-pubout", "-out", "rsa1.pub.pem"], check=True)
with open("jwks.json", "w") as f:
    json.dump({"keys": keys}, f, indent=2)
    f.write("\n")
