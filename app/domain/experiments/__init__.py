"""Experiments: experiments, runs and their metric time series."""
