"""Pages of the evaluation app: the follow-up console, the citizen's survey, the rankings and
units' figures, and exemptions (one module each)."""
