"""A real OpenID Connect provider on 127.0.0.1 for tests (authorization code + PKCE S256).

It serves discovery, a JWKS with an RSA key generated at start, /authorize (auto-approves the
configured user) and /token (checks client credentials, code, redirect_uri and the PKCE
verifier, then issues an RS256-signed ID token). Knobs make it misbehave on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "test-signing-key"


@dataclass
class ProviderUser:
    """The account the provider auto-approves at /authorize."""

    sub: str = "google-sub-0001"
    email: str = "artist@example.com"
    email_verified: bool = True
    name: str = "Test Artist"


@dataclass
class Misbehaviour:
    """Knobs for refusal tests; `OIDCProvider.reset()` puts them back."""

    wrong_nonce: bool = False
    wrong_audience: bool = False
    expired_token: bool = False
    wrong_signing_key: bool = False
    issuer_override: str | None = None


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    user: ProviderUser
    used: bool = False


@dataclass
class OIDCProvider:
    """Start with `start()` (or as a context manager); `issuer` is its base URL."""

    client_id: str = "test-client-id"
    client_secret: str = "test-client-secret"
    user: ProviderUser = field(default_factory=ProviderUser)
    misbehave: Misbehaviour = field(default_factory=Misbehaviour)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        params = {"kid": KEY_ID, "use": "sig", "alg": "RS256"}
        self.signing_key = RSAKey.generate_key(2048, parameters=params)
        # Same kid, different key material: verification must fail on the signature itself.
        self.rogue_key = RSAKey.generate_key(2048, parameters=params)
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> OIDCProvider:
        """Listen on a free port of 127.0.0.1 in a daemon thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to a well-behaved provider with the default user and empty records."""
        self.user = ProviderUser()
        self.misbehave = Misbehaviour()
        self.authorize_requests.clear()
        self.token_requests.clear()
        self.token_errors.clear()
        with self._lock:
            self._grants.clear()

    @property
    def issuer(self) -> str:
        assert self._server is not None, "provider not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- protocol --------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.signing_key.as_dict(private=False)]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Auto-approve `self.user`; redirect back with code and state."""
        self.authorize_requests.append(dict(query))
        if query.get("client_id") != self.client_id:
            return 400, {}, b"unknown client_id"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {}, b"only response_type=code with scope openid"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, b"PKCE S256 is required"
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri:
            return 400, {}, b"redirect_uri is required"
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                nonce=query.get("nonce"),
                code_challenge=query["code_challenge"],
                user=ProviderUser(**vars(self.user)),
            )
        back = {"code": code}
        if "state" in query:
            back["state"] = query["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{sep}{urlencode(back)}"}, b""

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """Exchange a code: client auth, single use, redirect_uri, PKCE, then sign an ID token."""
        self.token_requests.append(dict(form))
        client_id, client_secret = _client_credentials(form, authorization)
        if client_id != self.client_id or not hmac.compare_digest(
            client_secret or "", self.client_secret
        ):
            return self._error(401, "invalid_client", "client authentication failed")
        if form.get("grant_type") != "authorization_code":
            return self._error(400, "unsupported_grant_type", "only authorization_code")
        with self._lock:
            grant = self._grants.get(form.get("code", ""))
            first_use = grant is not None and not grant.used
            if grant is not None:
                grant.used = True
        if grant is None or not first_use:
            return self._error(400, "invalid_grant", "unknown or already used code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._error(400, "invalid_grant", "redirect_uri does not match")
        if _s256(form.get("code_verifier", "")) != grant.code_challenge:
            return self._error(400, "invalid_grant", "PKCE code_verifier does not match")
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid email profile",
            "id_token": self.id_token_for(grant),
        }

    def id_token_for(self, grant: _Grant) -> str:
        now = int(time.time())
        misbehave = self.misbehave
        iat = now - 7200 if misbehave.expired_token else now
        claims: dict[str, Any] = {
            "iss": misbehave.issuer_override or self.issuer,
            "aud": "someone-elses-client" if misbehave.wrong_audience else grant.client_id,
            "azp": "someone-elses-client" if misbehave.wrong_audience else grant.client_id,
            "sub": grant.user.sub,
            "email": grant.user.email,
            "email_verified": grant.user.email_verified,
            "name": grant.user.name,
            "iat": iat,
            "exp": iat + 3600,
        }
        if grant.nonce is not None:
            claims["nonce"] = "not-the-nonce-you-sent" if misbehave.wrong_nonce else grant.nonce
        key = self.rogue_key if misbehave.wrong_signing_key else self.signing_key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, key)

    def _error(self, status: int, error: str, description: str) -> tuple[int, dict[str, Any]]:
        self.token_errors.append(description)
        return status, {"error": error, "error_description": description}


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _client_credentials(form: dict[str, str], authorization: str | None) -> tuple[str, str]:
    """client_secret_basic (Authorization header) or client_secret_post (form fields)."""
    if authorization and authorization.lower().startswith("basic "):
        from urllib.parse import unquote

        raw = base64.b64decode(authorization[6:]).decode()
        client_id, _, secret = raw.partition(":")
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _handler_for(provider: OIDCProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return  # keep test output quiet

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                status, headers, body = provider.authorize(query)
                self._send(status, headers, body, "text/plain")
            else:
                self._send(404, {}, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802
            if urlsplit(self.path).path != "/token":
                self._send(404, {}, b"not found", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            status, payload = provider.token(form, self.headers.get("Authorization"))
            self._json(status, payload)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            headers = {"Cache-Control": "no-store"}
            self._send(status, headers, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, headers: dict[str, str], body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
