"""Retention: per-organization policies applied in bounded batches."""
