"""The server process's small services, below everything else: background tasks, the
garbage-collector policy, JSON logs and their throttling, tracing."""
