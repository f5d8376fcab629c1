"""mlgraph's Python client.

- ``mlgraph.start_run(...)``: log metrics from a training loop (``run.log``) without
  slowing it; see ``mlgraph.tracking``.
- ``mlgraph.sweep_agent(sweep_id, train)``: claim a sweep's trials and train each; see
  ``mlgraph.sweeps``.
- ``mlgraph.Client``: async registry, predictions and live streams; see ``mlgraph.client``.
- ``mlgraph.generated``: every operation in ``queries/*.graphql`` as a typed method
  (generated from the server's ``schema.graphql`` by ariadne-codegen)."""

from mlgraph.client import Client, MlgraphError, UserErrors
from mlgraph.sweeps import AgentReport, Trial, sweep_agent
from mlgraph.tracking import BufferFullWarning, Run, RunWarning, TrainingStopped, start_run

__all__ = [
    "AgentReport",
    "BufferFullWarning",
    "Client",
    "MlgraphError",
    "Run",
    "RunWarning",
    "TrainingStopped",
    "Trial",
    "UserErrors",
    "start_run",
    "sweep_agent",
]
