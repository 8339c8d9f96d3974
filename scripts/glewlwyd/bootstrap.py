#!/usr/bin/env python3
"""Configure a fresh glewlwyd (Debian package, sqlite) for authfront through its admin REST API.

    python3 bootstrap.py BASE_URL KEY.pem CERT.pem

Standard library only (no venv, nothing to install). Run once per database by
scripts/start-glewlwyd.sh. Creates:
  * the OpenID Connect plugin instance "oidc" (issuer BASE_URL/api/oidc): RS256 ID tokens,
    PKCE S256, refresh tokens rotated on every use, `sid` in ID tokens (session management)
    and back-channel logout allowed, mandatory `name`, `email` and `groups` claims;
  * users alice (groups admins, staff) and bob (staff), password "<name>-password";
  * clients authfront-glewlwyd (confidential, secret authfront-glewlwyd-secret,
    client_secret_basic or _post) and authfront-glewlwyd-public (PKCE only), both with the
    redirect URIs of GLEWLWYD_REDIRECT_URIS and the post-logout URI GLEWLWYD_POST_LOGOUT_URI.
Environment: GLEWLWYD_REDIRECT_URIS (comma-separated, default
http://127.0.0.1:8080/_authfront/callback), GLEWLWYD_POST_LOGOUT_URI (default
http://127.0.0.1:8080/), GLEWLWYD_TTL_ACCESS / GLEWLWYD_TTL_REFRESH / GLEWLWYD_TTL_CODE (seconds).
The database starts with the administrator admin/password (Debian's sqlite install script);
tests create their own clients through the same API (see authfront/tests/e2e/support).
"""
import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.request

ADMIN = ("admin", "password")


def env_int(name, default):
    return int(os.environ.get(name) or default)


class Api:
    """A glewlwyd API session (its session cookie kept)."""

    def __init__(self, base):
        self.api = base.rstrip("/") + "/api"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.api + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(req, timeout=10) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            sys.exit(f"glewlwyd {method} {path} -> HTTP {e.code}: {e.read().decode()[:500]}")
        return json.loads(text) if text.strip() else None


def main():
    base, key_file, cert_file = sys.argv[1:4]
    issuer = base.rstrip("/") + "/api/oidc"
    redirects = [u for u in os.environ.get("GLEWLWYD_REDIRECT_URIS", "").split(",") if u] or [
        "http://127.0.0.1:8080/_authfront/callback"
    ]
    post_logout = os.environ.get("GLEWLWYD_POST_LOGOUT_URI") or "http://127.0.0.1:8080/"
    api = Api(base)
    api.call("POST", "/auth/", {"username": ADMIN[0], "password": ADMIN[1]})
    # the openid scope needs a password-authenticated session
    api.call("PUT", "/scope/openid", {"name": "openid", "display_name": "Open ID", "description": "OpenID Connect",
                                      "password_required": True, "password_max_age": 0, "scheme": {}})
    # let the database user backend keep a multi-valued `groups` property
    mod = api.call("GET", "/mod/user/database")
    mod["parameters"].setdefault("data-format", {})["groups"] = {
        "multiple": True, "read": True, "write": True, "profile-read": True, "profile-write": False}
    keys = ("module", "name", "display_name", "order", "parameters", "readonly", "enabled")
    api.call("PUT", "/mod/user/database", {k: mod[k] for k in keys if k in mod})
    api.call("PUT", "/mod/user/database/reset/")
    for name, groups in (("alice", ["admins", "staff"]), ("bob", ["staff"])):
        api.call("POST", "/user/", {"username": name, "name": name.capitalize(), "email": f"{name}@example.test",
                                    "password": f"{name}-password", "scope": ["openid", "g_profile"],
                                    "enabled": True, "groups": groups})
    with open(key_file) as k, open(cert_file) as c:
        key, cert = k.read(), c.read()
    api.call("POST", "/mod/plugin/", {"module": "oidc", "name": "oidc", "display_name": "OpenID Connect",
                                      "enabled": True, "parameters": {
        "iss": issuer, "jwt-type": "rsa", "jwt-key-size": "256", "key": key, "cert": cert,
        "code-duration": env_int("GLEWLWYD_TTL_CODE", 600),
        "refresh-token-duration": env_int("GLEWLWYD_TTL_REFRESH", 1209600),
        "access-token-duration": env_int("GLEWLWYD_TTL_ACCESS", 3600),
        "session-cookie-name": "GLEWLWYD_OIDC_SESSION", "session-cookie-expiration": 2419200,
        "auth-type-code-enabled": True, "auth-type-refresh-enabled": True, "auth-type-client-enabled": True,
        "auth-type-implicit-enabled": False, "auth-type-password-enabled": False, "auth-type-token-enabled": False,
        "auth-type-id-token-enabled": False, "auth-type-none-enabled": False, "auth-type-device-enabled": False,
        "pkce-allowed": True, "pkce-method-plain-allowed": False, "pkce-required-public-client": True,
        "refresh-token-rolling": True, "allow-non-oidc": False, "subject-type": "public",
        "introspection-revocation-allowed": True, "introspection-revocation-allow-target-client": True,
        "session-management-allowed": True, "front-channel-logout-allowed": False,
        "back-channel-logout-allowed": True, "jwks-show": True,
        "name-claim": "mandatory", "email-claim": "mandatory",
        "claims": [{"name": "groups", "user-property": "groups", "type": "string", "mandatory": True}],
    }})
    common = {"redirect_uri": redirects, "post_logout_redirect_uris": post_logout,
              "authorization_type": ["code", "refresh_token"], "scope": ["openid"], "enabled": True}
    api.call("POST", "/client/", {**common, "client_id": "authfront-glewlwyd", "name": "authfront (confidential)",
                                  "confidential": True, "password": "authfront-glewlwyd-secret",
                                  "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"]})
    api.call("POST", "/client/", {**common, "client_id": "authfront-glewlwyd-public", "name": "authfront (public)",
                                  "confidential": False, "token_endpoint_auth_method": ["none"]})
    print(f"GLEWLWYD_ISSUER={issuer}")


if __name__ == "__main__":
    main()
