"""The export feature package."""
