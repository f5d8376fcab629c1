"""Bounded contexts: SQLAlchemy models, pure rules and the services that run them."""
