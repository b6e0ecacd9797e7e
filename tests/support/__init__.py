"""Helpers shared by test modules (on the test path via `pythonpath` in pyproject.toml)."""
