"""Evaluation runs: a model version scored on a dataset version."""
