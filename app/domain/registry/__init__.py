"""Registry: projects, models and their versions."""
