"""Pub/sub over PostgreSQL LISTEN/NOTIFY: topics, one listener per process, fan-out hubs."""
