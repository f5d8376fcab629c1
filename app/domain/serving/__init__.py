"""Serving: environments, deployments and their event history."""
