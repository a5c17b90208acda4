"""Ranking: feature rows from the database, stored scores, the served model and its training.

`services` is the seam (see its docstring for the Score row contract); `views` holds the admin
page `/admin/ranker`; `commands` the `reviewapp ranker` group.
"""
