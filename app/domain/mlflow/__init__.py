"""MLflow compatibility: what MLflow's tracking and registry protocol needs beyond the
graph's own contexts (the project its experiments live in, MLflow's numbering of versions,
its logged models and run filters), written as ordinary mlgraph data."""
