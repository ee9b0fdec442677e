"""The package version, in one place: pyproject.toml reads it, and outputs record it."""

__version__ = "0.1.0"
