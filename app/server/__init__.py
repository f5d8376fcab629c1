"""How the graph is served: HTTP and WebSocket transport, authentication and its cache,
limits, rate limits, document caches, persisted documents, compression, static files,
Prometheus metrics, and the schema built with its extensions (app/server/schema.py).

It stands above app/api (the schema's types and resolvers), which never imports it."""
