"""The read-only JSON API (`/api/v1`) and the examiners' API token page (`/api/tokens`)."""
