"""Bulk CSV export, streamed: the `reviewapp export` command and downloads (see COLUMNS.md)."""
