"""mlgraph's Python client.

- ``mlgraph.start_run(...)``: log metrics from a training loop (``run.log``) without
  slowing it; see ``mlgraph.tracking``.
- ``mlgraph.Client``: async registry, predictions and live streams; see ``mlgraph.client``.
- ``mlgraph.generated``: every operation in ``queries/*.graphql`` as a typed method
  (generated from the server's ``schema.graphql`` by ariadne-codegen)."""

from mlgraph.client import Client, MlgraphError, UserErrors
from mlgraph.tracking import BufferFullWarning, Run, RunWarning, TrainingStopped, start_run

__all__ = [
    "BufferFullWarning",
    "Client",
    "MlgraphError",
    "Run",
    "RunWarning",
    "TrainingStopped",
    "UserErrors",
    "start_run",
]
