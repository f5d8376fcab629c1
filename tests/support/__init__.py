"""What tests share: GraphQL documents, helpers that make or read data, by area. Test
modules import from here, never from one another."""
