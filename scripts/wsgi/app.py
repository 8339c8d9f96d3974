#!/usr/bin/env python3
"""A tiny WSGI application on Python's standard-library server (wsgiref), as an HTTP origin
in authfront's end-to-end tests: it shows what a WSGI/CGI-style origin receives.

Every request is answered with JSON describing it -- method, raw target, PATH_INFO, the CGI
environ's HTTP_* variables (so `X-Auth-Request-User` and `X_Auth_Request_User` both show up as
HTTP_X_AUTH_REQUEST_USER, as in every WSGI, CGI and PHP server), the body's length and
SHA-256 -- and logged as one JSON line to --log (tests read what reached the origin there).
No cache headers, no validators: the answer depends on who asks (`user`, from
HTTP_X_AUTH_REQUEST_USER). A path with a `/slow/` segment is answered after --slow seconds (so
that two requests overlap). `/healthz` answers `ok`. Request bodies are read with
Content-Length or, when chunked, decoded here (wsgiref passes the raw stream).
"""

import argparse
import hashlib
import json
import socketserver
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Handler(WSGIRequestHandler):
    def get_environ(self):
        env = super().get_environ()
        env["RAW_URI"] = self.path  # the request target as sent (gunicorn's name for it)
        return env

    def log_message(self, *args):  # requests are logged as JSON by the app
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def read_chunked(stream):
    """Decodes a chunked body from the raw stream; raises ValueError when malformed."""
    out = bytearray()
    while True:
        line = stream.readline(1024)
        size = int(line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while stream.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(out)
        out += stream.read(size)
        stream.readline(16)


def read_body(environ):
    stream = environ["wsgi.input"]
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return read_chunked(stream)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = bytearray()
    while len(body) < length:
        piece = stream.read(min(65536, length - len(body)))
        if not piece:
            break
        body += piece
    return bytes(body)


def make_app(log_path, slow):
    lock = threading.Lock()

    def app(environ, start_response):
        t_head = time.time()
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        try:
            body = read_body(environ)
            error = None
        except (ValueError, OSError) as e:
            body, error = b"", f"bad body: {e}"
        t_body = time.time()
        seen = {
            "method": environ["REQUEST_METHOD"],
            "raw_uri": environ.get("RAW_URI", ""),
            "path_info": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
            "content_length": environ.get("CONTENT_LENGTH") or None,  # wsgiref presets ""
            "body_len": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_error": error,
            "user": environ.get("HTTP_X_AUTH_REQUEST_USER", ""),
            "t_head": t_head,
            "t_body": t_body,
        }
        with lock:
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(seen) + "\n")
        if "/slow/" in environ.get("PATH_INFO", ""):
            time.sleep(slow)
        out = (json.dumps(seen, indent=1) + "\n").encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]

    return app


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--slow", type=float, default=1.0)
    a = p.parse_args()
    server = make_server("127.0.0.1", a.port, make_app(a.log, a.slow), ThreadingServer, Handler)
    print(f"wsgi app on http://127.0.0.1:{a.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
