"""Who may call the CDS services: an EHR whose JWT a trusted key signed, as CDS Hooks requires.

`--jwks ISSUER=PATH` trusts the keys of one EHR (its JWK Set, a JSON file). Then every call
carries `Authorization: Bearer <JWT>`: signed by a key of its issuer (`kid` picks it; RSA, EC
or RSASSA-PSS only: `alg: none` and HMAC are refused, so a public key can never be used as a
shared secret), `aud` the exact URL called, `exp`, `iat`, `sub` and a `jti` never seen before.
The EHR's keys come only from the file: a `jku` header is not fetched (the spec lets a
service trust only the key sets it was given). Without `--jwks` the services answer only on
loopback.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWKSet

from ..core.errors import UsageError
from ..core.i18n import _

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512")
LEEWAY = 30  # seconds of clock difference between the EHR and this server
LONGEST = 3600  # a token valid for longer than this is refused: its jti must be remembered
REMEMBERED = 100_000  # jti kept at most (each until its token expires)


class Unauthorized(Exception):
    """The call is refused (401); the message says why, for the log and the EHR's developer."""


def read_trust(pairs: list[str]) -> dict[str, PyJWKSet]:
    """`ISSUER=PATH` pairs as trusted key sets; a file that is not a JWK Set stops the start."""
    trusted: dict[str, PyJWKSet] = {}
    for pair in pairs:
        issuer, eq, path = pair.rpartition("=")
        if not eq or not issuer or not path:
            raise UsageError(_("--jwks takes ISSUER=PATH (the EHR's iss and its JWK Set file), "
                               "not {pair!r}").format(pair=pair))
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            keys = PyJWKSet.from_dict(data)
        except (OSError, ValueError, jwt.PyJWKError, jwt.PyJWKSetError) as exc:
            raise UsageError(_("{path}: not a JWK Set the server can use: {why}").format(
                path=path, why=exc)) from None
        trusted[issuer] = keys
    return trusted


def loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@dataclass
class Trust:
    issuers: dict[str, PyJWKSet]
    seen: dict[str, float] = field(default_factory=dict)  # jti -> expiry
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, authorization: str | None, audience: str, now: float | None = None) -> str:
        """The verified issuer of the call, or `Unauthorized` saying why not."""
        scheme, _sp, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_("no bearer token: send Authorization: Bearer <JWT>"))
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise Unauthorized(_("the token cannot be read: {why}").format(why=exc)) from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Unauthorized(_("the algorithm {alg!r} is refused: sign with one of "
                                 "{algorithms}").format(alg=alg,
                                                        algorithms=", ".join(ALGORITHMS)))
        issuer = claims.get("iss")
        keys = self.issuers.get(issuer) if isinstance(issuer, str) else None
        if keys is None:
            raise Unauthorized(_("the issuer {issuer!r} is not trusted (--jwks)").format(
                issuer=issuer))
        key = _key(keys, header.get("kid"))
        try:
            verified: dict[str, Any] = jwt.decode(
                token, key=key, algorithms=[alg], audience=audience, issuer=issuer,
                leeway=LEEWAY, options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
        except jwt.PyJWTError as exc:
            raise Unauthorized(_("the token is not valid: {why}").format(why=exc)) from None
        now = time.time() if now is None else now
        if verified["exp"] - now > LONGEST:
            raise Unauthorized(_("the token is valid for more than {most} s: issue a "
                                 "short-lived one for each call").format(most=LONGEST))
        self._once(str(verified["jti"]), float(verified["exp"]), now)
        return str(issuer)

    def _once(self, jti: str, expires: float, now: float) -> None:
        with self.lock:
            if len(self.seen) >= REMEMBERED:
                for old in [k for k, exp in self.seen.items() if exp + LEEWAY < now]:
                    del self.seen[old]
            if len(self.seen) >= REMEMBERED:
                raise Unauthorized(_("too many tokens in flight: try again shortly"))
            if jti in self.seen:
                raise Unauthorized(_("this token was used before (jti replayed)"))
            self.seen[jti] = expires


def _key(keys: PyJWKSet, kid: Any) -> Any:
    usable = [k for k in keys.keys if k.key_type in ("RSA", "EC")]
    if kid is not None:
        found = next((k for k in usable if k.key_id == kid), None)
        if found is None:
            raise Unauthorized(_("no trusted key has the kid {kid!r}").format(
                kid=kid))
        return found.key
    if len(usable) == 1:
        return usable[0].key
    raise Unauthorized(_("the token names no kid and the issuer has several keys"))
