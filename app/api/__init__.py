"""The GraphQL layer: thin resolvers over the domain services."""
