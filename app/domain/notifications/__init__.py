"""Notifications: channels, rules, and an outbox delivered by a background worker."""
