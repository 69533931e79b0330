"""The SDK's version (pyproject.toml's [project] version; a test checks they agree)."""

__version__ = "0.1.0"
