"""Bulk CSV export, streamed: the `reviewapp export` command and downloads (see the README, "Bulk CSV export")."""
