"""The private channels Herald uses, who may join each, and the group each one maps to.

The same rules as crates/contract/src/channel.rs (Laravel's ``routes/channels.php``):

- ``private-user.{id}``: only that user;
- ``private-tenant.{id}``: members of that tenant, whatever their role;
- ``private-system.admin``: system admins.

Ids are canonical decimal numbers (``private-user.04`` is not user 4). Any other name
(public, presence, another prefix) is not a channel this server knows.

Group names: a channel layer accepts only ASCII letters, digits, ``-``, ``_`` and ``.``
in names shorter than 100 characters. The group of a channel is its name with ``.``
replaced by ``_`` (``private-tenant.1`` -> ``private-tenant_1``,
``private-system.admin`` -> ``private-system_admin``): safe on every channel layer, and
one-to-one for the three forms above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Ids up to 20 digits, as the devserver's u64; no sign, no leading zero.
_CANONICAL_ID = re.compile(r"(0|[1-9][0-9]{0,19})")
_MAX_ID = 2**64 - 1

SYSTEM_ADMIN_ROLE = "system_admin"


@dataclass(frozen=True)
class Person:
    """Who a connection belongs to, as ``GET /api/me`` described them."""

    id: int
    role: str
    tenant_id: int | None


@dataclass(frozen=True)
class Channel:
    """A channel this server knows: ``kind`` is ``user``, ``tenant`` or ``admin``."""

    kind: str
    id: int | None = None

    @property
    def name(self) -> str:
        if self.kind == "admin":
            return "private-system.admin"
        return f"private-{self.kind}.{self.id}"

    @property
    def group(self) -> str:
        return group_for(self.name)

    def admits(self, person: Person) -> bool:
        """Whether ``person`` may subscribe."""
        if self.kind == "user":
            return person.id == self.id
        if self.kind == "tenant":
            return person.tenant_id is not None and person.tenant_id == self.id
        return person.role == SYSTEM_ADMIN_ROLE


def parse(name: object) -> Channel | None:
    """The channel ``name`` denotes, or ``None`` for any name this server does not know."""
    if not isinstance(name, str):
        return None
    if name == "private-system.admin":
        return Channel("admin")
    for kind in ("user", "tenant"):
        prefix = f"private-{kind}."
        if name.startswith(prefix):
            text = name[len(prefix):]
            if _CANONICAL_ID.fullmatch(text) and int(text) <= _MAX_ID:
                return Channel(kind, int(text))
            return None
    return None


def group_for(channel_name: str) -> str:
    """The channel layer group of a known channel name (see the module's doc)."""
    return channel_name.replace(".", "_")


def short_event_name(name: str) -> str:
    """``App\\Events\\UserCreated`` (or ``.UserCreated``, Echo's form) -> ``UserCreated``."""
    return name.rsplit("\\", 1)[-1].lstrip(".")
