"""Integrations: the supported tools per kind of integration, and their configuration."""
