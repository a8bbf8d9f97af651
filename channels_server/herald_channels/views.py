"""``POST /broadcast``, how a backend publishes; ``GET /channels``, who listens; ``GET /up``.

``POST /broadcast`` with the header ``X-Broadcast-Secret: <HERALD_CHANNELS_SECRET>`` and a
JSON body, one event or a batch::

    {"channel": "private-tenant.1", "event": "App\\\\Events\\\\UserCreated", "data": {...}}
    {"events": [{"channel": ..., "event": ..., "data": ...}, ...]}

``event`` is the full class name or the short one (``UserCreated``); clients get the short
one. ``data`` is the payload, an object (or, as the Pusher protocol carries it, a string
holding a JSON object). Each event goes to the group of its channel (``rules.group_for``).

Answers, shaped as Laravel's: 200 ``{"published": n}``; 401 ``{"message":
"Unauthenticated."}`` without the right secret; 422 ``{"message", "errors"}`` for a body
that is not one of the above; 405 for other methods.

``GET /channels?filter_by_prefix=private-`` with the same secret: the channels that have
subscribers right now, in the shape of Pusher's channel list, ``{"channels":
{"private-tenant.1": {"subscription_count": 2}}}``. The demo backend's
``GET /api/dev/channels`` passes it on, so tests wait for a subscription the same way on
either transport.
"""

from __future__ import annotations

import hmac
import json
import re

from channels.layers import get_channel_layer
from django.conf import settings
from django.http import HttpResponse, JsonResponse

from herald_channels.consumers import EVENT_MESSAGE_TYPE, occupied_channels
from herald_channels.rules import parse, short_event_name

MAX_BATCH = 100
# A PHP class name; the protocol's own lowercase types cannot collide with one.
_EVENT_NAME = re.compile(r"[A-Z][A-Za-z0-9_]{0,199}")


async def up(request):
    return HttpResponse("OK", content_type="text/plain")


async def channels(request):
    if request.method != "GET":
        return method_not_allowed(request, "channels")
    if not has_secret(request):
        return JsonResponse({"message": "Unauthenticated."}, status=401)
    prefix = request.GET.get("filter_by_prefix", "")
    occupied = {
        name: {"subscription_count": count}
        for name, count in sorted(occupied_channels().items())
        if name.startswith(prefix)
    }
    return JsonResponse({"channels": occupied})


async def broadcast(request):
    if request.method != "POST":
        return method_not_allowed(request, "broadcast")
    if not has_secret(request):
        return JsonResponse({"message": "Unauthenticated."}, status=401)
    try:
        body = json.loads(request.body)
    except ValueError:
        return invalid({"body": ["The body must be JSON."]})
    events, errors = read_events(body)
    if errors:
        return invalid(errors)
    layer = get_channel_layer()
    for channel, name, data in events:
        message = {"type": EVENT_MESSAGE_TYPE, "event": name, "channel": channel.name, "data": data}
        await layer.group_send(channel.group, message)
    return JsonResponse({"published": len(events)})


def has_secret(request):
    given = request.headers.get("X-Broadcast-Secret", "")
    return hmac.compare_digest(given.encode(), settings.HERALD_CHANNELS_SECRET.encode())


def method_not_allowed(request, route):
    message = f"The {request.method} method is not supported for route {route}."
    return JsonResponse({"message": message}, status=405)


def read_events(body):
    """``([(channel, short name, data)], {})``, or ``([], errors)`` in Laravel's shape."""
    if not isinstance(body, dict):
        return [], {"body": ["The body must be a JSON object."]}
    if "events" in body:
        items = body["events"]
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            return [], {"events": [f"The events field must be a list of 1 to {MAX_BATCH} events."]}
        prefixes = [f"events.{index}." for index in range(len(items))]
    else:
        items, prefixes = [body], [""]
    events, errors = [], {}
    for item, prefix in zip(items, prefixes):
        event = read_event(item, prefix, errors)
        if event is not None:
            events.append(event)
    return (events, {}) if not errors else ([], errors)


def read_event(item, prefix, errors):
    if not isinstance(item, dict):
        errors[prefix.rstrip(".") or "body"] = ["An event must be a JSON object."]
        return None
    channel = parse(item.get("channel"))
    if channel is None:
        errors[f"{prefix}channel"] = [
            "The channel must be private-user.{id}, private-tenant.{id} or private-system.admin."
        ]
    name = item.get("event")
    short = short_event_name(name) if isinstance(name, str) else ""
    if not _EVENT_NAME.fullmatch(short):
        errors[f"{prefix}event"] = ["The event must be an event class name, such as App\\Events\\UserCreated."]
    data = item.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        errors[f"{prefix}data"] = ["The data must be a JSON object."]
    if f"{prefix}channel" in errors or f"{prefix}event" in errors or f"{prefix}data" in errors:
        return None
    return channel, short, data


def invalid(errors):
    first = next(iter(errors.values()))[0]
    more = len(errors) - 1
    message = first if more == 0 else f"{first} (and {more} more error{'s' if more > 1 else ''})"
    return JsonResponse({"message": message, "errors": errors}, status=422)
