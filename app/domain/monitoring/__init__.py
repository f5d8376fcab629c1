"""Monitoring: metric time series per deployment, and alerts."""
