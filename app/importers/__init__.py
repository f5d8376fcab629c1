"""Copying other systems' data into mlgraph (``mlgraph import-...`` commands)."""
