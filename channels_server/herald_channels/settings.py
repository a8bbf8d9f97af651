"""Django settings, from the environment. No database, no sessions, no templates: the server
keeps nothing but its connections.

- ``HERALD_JWT_SECRET``: the demo backend's HS256 key (default ``herald-dev-jwt-secret``,
  the backend's own default).
- ``HERALD_API_URL``: the demo backend, asked ``GET /api/me`` for each connection (default
  ``http://127.0.0.1:8000``).
- ``HERALD_CHANNELS_SECRET``: what ``POST /broadcast`` must carry in ``X-Broadcast-Secret``
  (default ``herald-channels-secret``).

The defaults are development values only, like every default of the demo.
"""

import os
import secrets

HERALD_JWT_SECRET = os.environ.get("HERALD_JWT_SECRET") or "herald-dev-jwt-secret"
HERALD_API_URL = os.environ.get("HERALD_API_URL") or "http://127.0.0.1:8000"
HERALD_CHANNELS_SECRET = os.environ.get("HERALD_CHANNELS_SECRET") or "herald-channels-secret"

# Django insists on a key; nothing here signs anything with it (no sessions, no CSRF forms).
SECRET_KEY = secrets.token_urlsafe(32)
DEBUG = False
# Daphne binds to loopback; requests name it by address or as localhost.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
INSTALLED_APPS: list[str] = []
# No CSRF middleware: /broadcast is called by a backend with a shared secret, never by a
# browser with cookies.
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "herald_channels.urls"
DATABASES: dict = {}
USE_TZ = True
ASGI_APPLICATION = "herald_channels.asgi.application"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels.layers.InMemoryChannelLayer",
        # A connection's queue holds this many events before the layer drops more; bursts of
        # a thousand events (the demo's largest) fit.
        "CONFIG": {"capacity": 5000, "expiry": 60},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"herald_channels": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}
