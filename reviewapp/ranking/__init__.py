"""Ranking: feature rows from the database, stored scores, the served model and its training.

One module per concern (docs/RANKING.md lists them); `scores` holds the Score row contract.
`jobs.register(app)`, called by the factory, adds the "rescore" and "train" jobs and connects
the signal receivers; `views` holds the admin page `/admin/ranker`; `commands` the
`reviewapp ranker` group.
"""
