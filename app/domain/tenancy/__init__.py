"""Tenancy and access: organizations, users, memberships, API keys, the audit log."""
