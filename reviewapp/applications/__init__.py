"""Applications under review: browse, read, open and close windows."""
