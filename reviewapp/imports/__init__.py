"""Importing USPTO files into the library: from the command line or the admin page (/admin/imports)."""
