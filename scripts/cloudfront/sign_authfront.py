#!/usr/bin/env python3
"""Sign every case of cases.json with authfront's CLI (`sign-url`, `sign-cookies --format json`).

  python sign_authfront.py AUTHFRONT-BINARY KEY.pem cases.json  -> JSON on stdout
"""
import json
import subprocess
import sys

binary, key_file, cases_file = sys.argv[1:4]
table = json.load(open(cases_file, encoding="utf-8"))


def run(args):
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"authfront {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


version = run(["--version"]).strip()
out = {"library": version, "cases": {}}
for c in table["cases"]:
    common = ["--key-pair-id", table["key_pair_id"], "--private-key", key_file, "--expires", c.get("when", str(c["expires"]))]
    if "start" in c:
        common += ["--starts", str(c["start"])]
    if "ip" in c:
        common += ["--ip", c["ip"]]
    if c.get("hash"):
        common += ["--hash-algorithm", c["hash"]]
    r = {}
    if "url" in c:
        extra = ["--resource", c["resource"]] if "resource" in c else []
        r["url"] = run(["sign-url", c["url"], *extra, *common]).rstrip("\n")
    grant = ["--resource", c["resource"]] if "resource" in c else ["--url", c["url"]]
    r["cookies"] = json.loads(run(["sign-cookies", *grant, *common, "--format", "json"]))
    out["cases"][c["name"]] = r
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
