"""Herald's Django Channels server: the second transport's real backend.

A WebSocket at ``/ws/notifications/?token=<JWT>`` for the people the demo backend
(crates/devserver) signs in, and ``POST /broadcast`` for that backend to publish events.
The modules, in the order a connection meets them:

- ``auth``: the JWT middleware; asks the demo backend's ``GET /api/me`` who the person is.
- ``consumers``: ``NotificationsConsumer``, the protocol (subscribe, ping, events, close codes).
- ``rules``: channel names, who may join which (the devserver's rules), group names.
- ``views``: ``POST /broadcast`` and ``GET /up``.
- ``settings``, ``urls``, ``asgi``: Django's wiring, configured from the environment.
"""
