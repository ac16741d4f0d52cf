"""Hotspots (四高) and clusters: detection.py (the count model over category × region cells),
clusters.py (the same problem at the same spot), services.py (the daily record), selectors.py
(reads for the API, the page and the cockpit)."""
