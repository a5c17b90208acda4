"""The community feature package."""
