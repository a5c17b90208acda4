"""The api feature package."""
