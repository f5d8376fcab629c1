"""Pattern-recognition jobs over a dataset version, on the shared work queue."""
