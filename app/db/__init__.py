"""Database plumbing: engine, sessions, the embedded server, the declarative base, ids."""
