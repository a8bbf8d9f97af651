"""``NotificationsConsumer``: Herald's protocol on ``/ws/notifications/``.

JSON text frames, each an object with a ``type``. Lowercase types are the protocol's own;
anything else a server sends is an event.

Client to server:

- ``{"type": "subscribe", "channels": ["private-tenant.1", "private-user.4"]}``: join every
  channel, or none. Answered ``{"type": "subscribed", "channels": [...]}`` when each is the
  person's to join; a name this server does not know closes with 4004, a channel outside the
  person's scope with 4003. Subscribing again adds channels.
- ``{"type": "unsubscribe", "channels": [...]}``: leave them; answered ``unsubscribed``.
- ``{"type": "ping"}``: answered ``{"type": "pong"}``.
- ``{"type": "authenticate", "token": "<JWT>"}``: a fresh token for the open connection, after
  the client refreshed its session, so the connection outlives the token it opened with
  without reconnecting. The token is checked exactly as at connect (``auth.py``) and must be
  the same person's; then the connection's expiry moves to the new token's ``exp`` (earlier
  or later) and the answer is ``{"type": "authenticated"}``. Subscriptions stay as they are.
  A token that is missing, invalid, expired, revoked or another person's closes with 4001; a
  backend that cannot be asked, with 4000, as at connect. The frame is never logged.
- Anything else (not JSON, not an object, an unknown type, a binary frame): answered
  ``{"type": "error", "message": "..."}``; the connection stays open.

Server to client, besides the answers above: events, as
``{"type": "UserCreated", "channel": "private-tenant.1", "data": {...payload...}}`` (the
event's class name without its namespace).

Close codes: 4001 the token is missing, invalid, expired or revoked (also sent when the
``exp`` of the connection's newest token is reached, and for an ``authenticate`` frame whose
token is refused or names another person); 4003 a channel outside the person's scope;
4004 an unknown channel name; 4000 a server error (including a backend that cannot be asked
who the person is).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer

from herald_channels.auth import (
    AUTHENTICATION_FAILED,
    NOT_FOUND,
    PERMISSION_DENIED,
    SERVER_ERROR,
    authenticate,
)
from herald_channels.rules import parse

logger = logging.getLogger(__name__)

# Client messages are a few hundred bytes; anything much larger is a mistake or an attack.
MAX_MESSAGE_CHARS = 64 * 1024
MAX_CHANNELS = 100

# The channel layer message type the broadcast view sends; Channels calls ``herald_event``.
EVENT_MESSAGE_TYPE = "herald.event"

# Channel name -> the connections (their channel layer names) subscribed to it, for
# ``GET /channels``. Kept here rather than read from the layer's internals; like the in-memory
# layer, it holds this process's connections only.
SUBSCRIBERS: dict[str, set[str]] = {}


def occupied_channels() -> dict[str, int]:
    """Every channel with subscribers, and how many."""
    return {name: len(members) for name, members in SUBSCRIBERS.items() if members}


def _remember(name: str, member: str) -> None:
    SUBSCRIBERS.setdefault(name, set()).add(member)


def _forget(name: str, member: str) -> None:
    members = SUBSCRIBERS.get(name)
    if members is not None:
        members.discard(member)
        if not members:
            del SUBSCRIBERS[name]


class NotificationsConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.person = None
        # Channel name -> its group, for every channel joined.
        self.subscribed: dict[str, str] = {}
        self.closing = False
        self.expiry: asyncio.Task | None = None
        # Accept first: a close before accepting reaches a browser as 1006, without the code.
        await self.accept()
        refusal = self.scope.get("herald_refusal")
        person = self.scope.get("herald_person")
        if refusal is not None or person is None:
            await self.close_with(refusal or SERVER_ERROR)
            return
        self.person = person
        self.expire_at(self.scope.get("herald_token_exp"))

    async def disconnect(self, code):
        self.closing = True
        if self.expiry is not None:
            self.expiry.cancel()
        for name, group in self.subscribed.items():
            _forget(name, self.channel_name)
            await self.channel_layer.group_discard(group, self.channel_name)
        self.subscribed.clear()

    async def receive(self, text_data=None, bytes_data=None):
        if self.person is None or self.closing:
            return
        try:
            await self.handle(text_data, bytes_data)
        except Exception:
            logger.exception("closing a connection of user %s after an error", self.person.id)
            await self.close_with(SERVER_ERROR)

    async def herald_event(self, message):
        """An event from ``POST /broadcast`` on a group this connection joined."""
        if self.closing or message["channel"] not in self.subscribed:
            return
        frame = {"type": message["event"], "channel": message["channel"], "data": message["data"]}
        await self.send(text_data=json.dumps(frame))

    async def handle(self, text_data, bytes_data):
        if text_data is None:
            await self.error("Only text frames are understood.")
            return
        if len(text_data) > MAX_MESSAGE_CHARS:
            await self.error(f"A message may have at most {MAX_MESSAGE_CHARS} characters.")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.error("The message is not JSON.")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.error('A message is a JSON object with a string "type".')
            return
        kind = message["type"]
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "subscribe":
            await self.subscribe(message.get("channels"))
        elif kind == "unsubscribe":
            await self.unsubscribe(message.get("channels"))
        elif kind == "authenticate":
            await self.reauthenticate(message.get("token"))
        else:
            await self.error(f"Unknown message type {json.dumps(kind[:50])}.")

    async def subscribe(self, names):
        names = await self.channel_names(names)
        if names is None:
            return
        channels = [parse(name) for name in names]
        if any(channel is None for channel in channels):
            logger.info("user %s asked for a channel this server does not know", self.person.id)
            await self.close_with(NOT_FOUND)
            return
        refused = [channel.name for channel in channels if not channel.admits(self.person)]
        if refused:
            logger.info("user %s may not join %s", self.person.id, ", ".join(refused))
            await self.close_with(PERMISSION_DENIED)
            return
        for channel in channels:
            if channel.name not in self.subscribed:
                await self.channel_layer.group_add(channel.group, self.channel_name)
                self.subscribed[channel.name] = channel.group
                _remember(channel.name, self.channel_name)
        await self.send_json({"type": "subscribed", "channels": names})

    async def unsubscribe(self, names):
        names = await self.channel_names(names)
        if names is None:
            return
        for name in names:
            group = self.subscribed.pop(name, None)
            if group is not None:
                _forget(name, self.channel_name)
                await self.channel_layer.group_discard(group, self.channel_name)
        await self.send_json({"type": "unsubscribed", "channels": names})

    async def channel_names(self, names):
        """``names`` without repeats, or ``None`` (after an error message) when it is not a list of strings."""
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            await self.error('"channels" must be a list of channel names.')
            return None
        if len(names) > MAX_CHANNELS:
            await self.error(f"At most {MAX_CHANNELS} channels at once.")
            return None
        return list(dict.fromkeys(names))

    async def reauthenticate(self, token):
        """A fresh token of the same person: the connection now lasts until its ``exp``."""
        if not isinstance(token, str) or not token:
            logger.info("user %s sent an authenticate frame without a token", self.person.id)
            await self.close_with(AUTHENTICATION_FAILED)
            return
        outcome = await authenticate(token)
        if self.closing:
            # The old token lapsed (or the client left) while the backend was being asked.
            return
        if outcome.refusal is not None or outcome.person is None:
            await self.close_with(outcome.refusal or SERVER_ERROR)
            return
        if outcome.person.id != self.person.id:
            logger.warning("user %s sent user %s's token; closing", self.person.id, outcome.person.id)
            await self.close_with(AUTHENTICATION_FAILED)
            return
        # The backend's newest answer: later subscriptions are checked against it.
        self.person = outcome.person
        self.expire_at(outcome.exp)
        await self.send_json({"type": "authenticated"})

    def expire_at(self, exp):
        """Closes with 4001 at ``exp`` (Unix seconds) instead of at any earlier-set time."""
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None
        if exp is not None:
            self.expiry = asyncio.create_task(self.close_at(exp))

    async def close_at(self, exp):
        await asyncio.sleep(max(0.0, exp - time.time()))
        logger.info("the token of user %s expired; closing its connection", self.person.id)
        await self.close_with(AUTHENTICATION_FAILED)

    async def close_with(self, code):
        if self.closing:
            return
        self.closing = True
        await self.close(code=code)

    async def error(self, message):
        await self.send_json({"type": "error", "message": message})

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content))
