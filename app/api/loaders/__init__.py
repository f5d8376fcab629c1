"""Per-request aiodataloader loaders: every database read of a resolver goes through one."""
