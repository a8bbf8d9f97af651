"""The JWT middleware: who is connecting, decided before the consumer runs.

A browser WebSocket cannot carry an ``Authorization`` header, so the token comes in the
query string (``?token=<JWT>``). The middleware checks it in two steps:

1. Locally, with PyJWT: HS256 with the demo backend's secret (``HERALD_JWT_SECRET``),
   ``exp`` and ``sub`` required, expired from the second ``exp`` is reached (the backend's
   rule). A forged, malformed or expired token stops here.
2. With the backend: ``GET {HERALD_API_URL}/api/me`` with the token as a bearer token. The
   JWT carries only the user id; the answer gives the role and tenant the channel rules need,
   and it honours what a signature cannot show: logout and suspension revoke tokens. A 401
   there refuses the token too; no answer at all is a server error.

The outcome goes into the scope for the consumer, which accepts the connection first and
then closes it with the code (a close before accepting reaches a browser as 1006, without
the code): ``herald_person`` (a ``Person``) or ``herald_refusal`` (a close code), and
``herald_token_exp`` (the token's ``exp``, when the consumer closes with 4001).

The consumer checks the token of an ``authenticate`` frame (a refreshed token on an open
connection) with the same ``authenticate``.

The token is never logged, and neither is the query string.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import parse_qs

import jwt
from django.conf import settings

from herald_channels.rules import Person

logger = logging.getLogger(__name__)

# Close codes, as Django Channels backends send them (the client's table is the same).
SERVER_ERROR = 4000
AUTHENTICATION_FAILED = 4001
PERMISSION_DENIED = 4003
NOT_FOUND = 4004

# How long the backend gets to answer /api/me.
ME_TIMEOUT_S = 5.0
# No proxy from the environment: the backend is on this machine, and the request carries a token.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Outcome:
    person: Person | None = None
    refusal: int | None = None
    exp: int | None = None


class JwtAuthMiddleware:
    """ASGI middleware for the WebSocket route: puts the outcome of authentication in the scope."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        outcome = await authenticate(token_from_query(scope.get("query_string", b"")))
        scope = dict(scope)
        scope["herald_person"] = outcome.person
        scope["herald_refusal"] = outcome.refusal
        scope["herald_token_exp"] = outcome.exp
        return await self.app(scope, receive, send)


def token_from_query(query_string: bytes) -> str | None:
    try:
        values = parse_qs(query_string.decode("ascii"), strict_parsing=False).get("token", [])
    except UnicodeDecodeError:
        return None
    return values[0] if values and values[0] else None


async def authenticate(token: str | None) -> Outcome:
    if token is None:
        return Outcome(refusal=AUTHENTICATION_FAILED)
    try:
        claims = jwt.decode(
            token,
            settings.HERALD_JWT_SECRET,
            algorithms=["HS256"],
            options={"require": ["exp", "sub"]},
        )
    except jwt.InvalidTokenError as error:
        # The kind of failure only (expired, bad signature...), never the token.
        logger.info("refused a token: %s", type(error).__name__)
        return Outcome(refusal=AUTHENTICATION_FAILED)
    try:
        status, body = await asyncio.to_thread(_get_me, token)
    except OSError as error:
        logger.warning("the backend at %s could not be reached: %s", settings.HERALD_API_URL, error)
        return Outcome(refusal=SERVER_ERROR)
    if status == 401:
        logger.info("refused a token: the backend no longer accepts it")
        return Outcome(refusal=AUTHENTICATION_FAILED)
    if status != 200:
        logger.warning("the backend answered GET /api/me with HTTP %s", status)
        return Outcome(refusal=SERVER_ERROR)
    person = _person_from(body)
    if person is None:
        logger.warning("the backend's GET /api/me answer is not a user")
        return Outcome(refusal=SERVER_ERROR)
    if str(person.id) != str(claims["sub"]):
        logger.warning("the backend's user %s is not the token's subject", person.id)
        return Outcome(refusal=AUTHENTICATION_FAILED)
    return Outcome(person=person, exp=int(claims["exp"]))


def _get_me(token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        settings.HERALD_API_URL.rstrip("/") + "/api/me",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with _OPENER.open(request, timeout=ME_TIMEOUT_S) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, b""


def _person_from(body: bytes) -> Person | None:
    try:
        user = json.loads(body)
    except ValueError:
        return None
    if not isinstance(user, dict):
        return None
    user_id, role, tenant_id = user.get("id"), user.get("role"), user.get("tenant_id")
    if not _is_id(user_id) or not isinstance(role, str) or not (tenant_id is None or _is_id(tenant_id)):
        return None
    return Person(id=user_id, role=role, tenant_id=tenant_id)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
