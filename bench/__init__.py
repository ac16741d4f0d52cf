"""make bench: load and latency measurements of the production stack (see bench/run.py)."""
