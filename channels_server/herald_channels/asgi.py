"""The ASGI application Daphne serves: Django for HTTP, the consumer for the WebSocket.

    daphne -b 127.0.0.1 -p 8001 herald_channels.asgi:application    (from channels_server/)
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "herald_channels.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django is set up before anything imports models or settings-dependent modules.
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from herald_channels.auth import JwtAuthMiddleware  # noqa: E402
from herald_channels.consumers import NotificationsConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": JwtAuthMiddleware(
            URLRouter([path("ws/notifications/", NotificationsConsumer.as_asgi())])
        ),
    }
)
