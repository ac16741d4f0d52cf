"""Detection quality on a smaller synthetic history than bench/hotspots.py (not timed): every
injected surge found, few false alarms, each cluster of 8 grouped whole, the repeated caller not
flagged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bench.hotspots import make_history, passed, score


@pytest.mark.django_db
def test_injected_surges_and_clusters_are_found():
    truth = make_history(
        end=timezone.localdate() - timedelta(days=1),
        days=120,
        districts=2,
        streets=3,
        communities=3,
        mean_rate=0.08,
        surges=6,
        clusters=6,
        seed=7,
    )
    figures = score(truth)
    assert figures["surges_found"] == figures["surges_injected"] == 6, figures
    assert figures["false_alarms"] <= figures["quiet_cells"] / 15, figures
    assert figures["clusters_grouped_whole"] == figures["clusters_injected"] == 6, figures
    assert not figures["repeat_caller_flagged"], figures
    assert passed(figures)
