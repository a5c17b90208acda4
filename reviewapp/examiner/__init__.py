"""The examiner feature package."""
