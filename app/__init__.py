"""mlgraph: a GraphQL API server for the machine-learning lifecycle."""
