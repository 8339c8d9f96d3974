#!/usr/bin/env python3
"""bench/startup.py: time from `authfront serve` starting to the first 200 it serves.

  startup.py BIN CONFIG PORT PATH COOKIE-HEADER [TIMES]

Starts BIN serve --config CONFIG TIMES times (default 5), each time polling
http://127.0.0.1:PORT/PATH with the given `Cookie: ...` header (a signed-in request) as fast as
it can, and stops the process (by its own pid) once it has answered 200 or after 10 s.
Prints one JSON object: every start's milliseconds to the first accepted connection and to the
first 200, and their medians. Standard library only; loopback only.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

DEADLINE_S = 10.0


def status_of(port, path, cookie):
    """The status code of one GET, or None while nothing listens."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}\r\nConnection: close\r\n\r\n".encode()
            )
            line = s.makefile("rb").readline().decode("latin-1")
            return int(line.split()[1]) if line.startswith("HTTP/") else 0
    except (ConnectionRefusedError, ConnectionResetError):
        return None


def one(binary, config, port, path, cookie):
    env = dict(os.environ, AUTHFRONT_LOG="warn")
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "serve", "--config", config], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listening = first_200 = None
    try:
        while time.monotonic() - t0 < DEADLINE_S and p.poll() is None:
            st = status_of(port, path, cookie)
            if st is None:
                time.sleep(0.0005)
                continue
            if listening is None:
                listening = time.monotonic() - t0
            if st == 200:
                first_200 = time.monotonic() - t0
                break
            time.sleep(0.0005)
    finally:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    ms = lambda v: None if v is None else round(v * 1000, 1)
    return {"listening_ms": ms(listening), "first_200_ms": ms(first_200)}


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    binary, config, port, path, cookie = sys.argv[1:6]
    times = int(sys.argv[6]) if len(sys.argv) > 6 else 5
    runs = []
    for _ in range(times):
        runs.append(one(binary, config, int(port), path, cookie))
        time.sleep(0.2)  # the port is free again before the next start
    ok = [r["first_200_ms"] for r in runs if r["first_200_ms"] is not None]
    lst = [r["listening_ms"] for r in runs if r["listening_ms"] is not None]
    print(json.dumps({
        "runs": runs,
        "first_200_ms_median": statistics.median(ok) if ok else None,
        "listening_ms_median": statistics.median(lst) if lst else None,
    }))


if __name__ == "__main__":
    main()
