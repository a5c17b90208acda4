"""The priorart feature package."""
