"""Token plumbing for Google login: provider discovery, ID token verification, sealed values.

ID tokens are verified with joserfc against the provider's JWKS (RS256 only) and then with
Authlib's `CodeIDToken` rules: iss, aud (+ azp), exp, iat and the nonce we sent. Values that
travel through the browser (the login transaction, the pending-link token) are sealed with
JWE dir + A256GCM under a key derived from SECRET_KEY, one key per purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwe, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    JoseError,
)
from joserfc.jwk import KeySet, OctKey

from maxbooster.services.errors import PermissionDenied
from maxbooster.settings import Settings

FAILED = "Google sign-in failed"
SCOPES = "openid email profile"
HTTP_TIMEOUT_S = 10.0
CLOCK_LEEWAY_S = 60
METADATA_TTL_S = 3600.0
GOOGLE_ISSUER = "https://accounts.google.com"
_SEAL_ALGORITHMS = ["dir", "A256GCM"]
_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_metadata_lock = threading.Lock()


def provider_metadata(issuer: str, http_client: httpx.Client | None = None) -> dict[str, Any]:
    """{issuer}/.well-known/openid-configuration, cached for an hour per issuer."""
    now = time.monotonic()
    with _metadata_lock:
        cached = _metadata_cache.get(issuer)
    if cached is not None and cached[0] > now:
        return cached[1]
    metadata = get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration", http_client)
    # OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer we asked.
    if metadata.get("issuer") != issuer:
        raise PermissionDenied(f"{FAILED}: the provider's discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise PermissionDenied(f"{FAILED}: the provider's discovery document lacks {key}")
    with _metadata_lock:
        _metadata_cache[issuer] = (now + METADATA_TTL_S, metadata)
    return metadata


def get_json(url: str, http_client: httpx.Client | None = None) -> dict[str, Any]:
    """GET a JSON object from the provider; any failure is a PermissionDenied."""
    try:
        if http_client is not None:
            response = http_client.get(url)
        else:
            with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
                response = client.get(url)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise PermissionDenied(f"{FAILED}: Google's sign-in service could not be reached") from exc
    if not isinstance(data, dict):
        raise PermissionDenied(f"{FAILED}: Google's sign-in service sent an unexpected reply")
    return data


def oauth_client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    """Authlib's OAuth 2 client for the configured Google app, PKCE S256 on."""
    return OAuth2Client(
        client_id=settings.google_client_id, client_secret=settings.google_client_secret,
        scope=SCOPES, redirect_uri=redirect_uri, code_challenge_method="S256",
        timeout=HTTP_TIMEOUT_S,
    )


def exchange_code(
    *, settings: Settings, metadata: Mapping[str, Any], code: str, code_verifier: str,
    redirect_uri: str,
) -> dict[str, Any]:
    """POST the code and PKCE verifier to the token endpoint (client_secret_basic)."""
    with oauth_client(settings, redirect_uri) as client:
        try:
            token = client.fetch_token(
                str(metadata["token_endpoint"]), grant_type="authorization_code", code=code,
                code_verifier=code_verifier,
            )
        except OAuthError as exc:
            raise PermissionDenied(
                f"{FAILED}: the code exchange was refused ({safe_code(exc.error)})"
            ) from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise PermissionDenied(f"{FAILED}: the token endpoint could not be reached") from exc
    return dict(token)


def verify_id_token(
    *,
    settings: Settings,
    metadata: Mapping[str, Any],
    token: Mapping[str, Any],
    nonce: str,
    http_client: httpx.Client | None = None,
) -> dict[str, Any]:
    """The ID token's claims after signature (JWKS, RS256), iss, aud, exp, iat and nonce checks."""
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise PermissionDenied(f"{FAILED}: the provider returned no ID token")
    try:
        keys = KeySet.import_key_set(get_json(str(metadata["jwks_uri"]), http_client))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise PermissionDenied(f"{FAILED}: the provider's signing keys are unreadable") from exc
    try:
        decoded = jwt.decode(id_token, keys, algorithms=["RS256"])
    except BadSignatureError as exc:
        raise PermissionDenied(f"{FAILED}: bad token signature") from exc
    except (JoseError, ValueError) as exc:
        raise PermissionDenied(f"{FAILED}: the ID token could not be verified") from exc
    issuers: list[str | int | bool] = [settings.google_issuer]
    if settings.google_issuer == GOOGLE_ISSUER:
        issuers.append("accounts.google.com")  # Google documents both spellings of iss
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "values": issuers},
            "aud": {"essential": True, "value": settings.google_client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True},
        },
        params={"nonce": nonce, "client_id": settings.google_client_id,
                "access_token": token.get("access_token")},
    )
    try:
        claims.validate(leeway=CLOCK_LEEWAY_S)
    except ExpiredTokenError as exc:
        raise PermissionDenied(f"{FAILED}: token expired") from exc
    except ClaimError as exc:
        raise PermissionDenied(_claim_message(exc.claim)) from exc
    return dict(claims)


def _claim_message(claim: str) -> str:
    """A user-safe reason for a refused claim (joserfc names the claim, sometimes a list)."""
    names = set(claim.split(","))
    if names & {"aud", "azp"}:
        return f"{FAILED}: token audience is not this app"
    if "nonce" in names:
        return f"{FAILED}: nonce mismatch"
    if "iss" in names:
        return f"{FAILED}: token issuer is not the configured Google issuer"
    if "iat" in names or "nbf" in names:
        return f"{FAILED}: token is not valid yet (check the server clock)"
    return f"{FAILED}: the ID token's '{safe_code(claim)}' claim is invalid"


def seal(settings: Settings, purpose: str, payload: Mapping[str, Any]) -> str:
    """Encrypt + authenticate `payload` for one purpose (JWE compact, dir + A256GCM)."""
    body = json.dumps({"p": purpose, **payload}, separators=(",", ":")).encode()
    protected = {"alg": "dir", "enc": "A256GCM"}
    return jwe.encrypt_compact(protected, body, _seal_key(settings, purpose),
                               algorithms=_SEAL_ALGORITHMS)


def unseal(settings: Settings, purpose: str, value: str | None) -> dict[str, Any] | None:
    """The payload sealed for `purpose`, or None when missing, tampered with or for another use."""
    if not value or len(value) > 4096:
        return None
    try:
        opened = jwe.decrypt_compact(value, _seal_key(settings, purpose),
                                     algorithms=_SEAL_ALGORITHMS)
        data = json.loads(opened.plaintext or b"")
    except (JoseError, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    return data


def _seal_key(settings: Settings, purpose: str) -> OctKey:
    label = f"maxbooster/google-login/{purpose}".encode()
    digest = hmac.new(settings.secret_key.encode(), label, hashlib.sha256).digest()
    return OctKey.import_key(digest)


def safe_code(value: object) -> str:
    """An OAuth error code or claim name fit for a message; anything odd becomes 'error'."""
    text = str(value or "")
    return text if re.fullmatch(r"[A-Za-z0-9_.,-]{1,60}", text) else "error"


def display_name(claims: Mapping[str, Any], email: str) -> str:
    """The token's `name`, whitespace-collapsed and ≤ 100 characters, else the email's local part."""
    name = " ".join(str(claims.get("name") or "").split())[:100]
    return name or email.split("@", 1)[0][:100] or "Artist"
