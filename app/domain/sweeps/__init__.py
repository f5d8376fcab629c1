"""Sweeps: trials of a search space, run as training jobs on the shared queue."""
