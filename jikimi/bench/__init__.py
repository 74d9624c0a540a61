"""Measurements the `jikimi bench` command prints: each module returns plain dicts of numbers."""
