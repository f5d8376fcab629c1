"""The patterns context's GraphQL side."""
