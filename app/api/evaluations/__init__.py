"""The evaluations context's GraphQL side."""
