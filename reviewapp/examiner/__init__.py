"""The examiner feature: queue, ranked review, claim chart, verdicts and reputation, the report."""
