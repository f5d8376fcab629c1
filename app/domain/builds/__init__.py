"""Artifact builds: a model version's serving image, built by workers from a queue."""
