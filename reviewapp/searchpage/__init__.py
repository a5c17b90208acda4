"""Search pages: the query-language search with facets, and "documents like this claim"."""
