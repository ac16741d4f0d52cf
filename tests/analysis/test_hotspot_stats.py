"""The count model: Poisson and negative-binomial tails, Benjamini–Hochberg, dispersion."""

import math

import pytest

from analysis.hotspots import stats


def _poisson_sf_naive(x: int, mu: float) -> float:
    return 1.0 - sum(math.exp(-mu) * mu**k / math.factorial(k) for k in range(x))


@pytest.mark.parametrize(
    ("x", "mu"), [(0, 2.0), (1, 0.5), (3, 3.0), (5, 2.0), (12, 1.0), (30, 10.0)]
)
def test_poisson_tail_matches_the_definition(x, mu):
    assert stats.poisson_sf(x, mu) == pytest.approx(_poisson_sf_naive(x, mu), rel=1e-9, abs=1e-15)


def test_tiny_tails_stay_exact():
    # 1 - cdf would round to 0 here; summing upward keeps the value.
    value = stats.poisson_sf(60, 2.0)
    expected = math.exp(-2.0) * 2.0**60 / math.factorial(60) * (1 + 2 / 61 + 4 / (61 * 62))
    assert value == pytest.approx(expected, rel=1e-3)
    assert 0 < value < 1e-50


def test_against_scipy_when_available():
    scipy_stats = pytest.importorskip("scipy.stats")
    for x, mu, alpha in [(4, 1.5, 0.2), (15, 3.0, 0.5), (40, 10.0, 0.1), (2, 5.0, 1.0)]:
        r = 1 / alpha
        assert stats.nbinom_sf(x, mu, alpha) == pytest.approx(
            scipy_stats.nbinom.sf(x - 1, r, r / (r + mu)), rel=1e-7
        )
        assert stats.poisson_sf(x, mu) == pytest.approx(scipy_stats.poisson.sf(x - 1, mu), rel=1e-7)


def test_overdispersion_fattens_the_tail():
    assert stats.nbinom_sf(15, 3.0, 0.5) > stats.poisson_sf(15, 3.0) * 10
    assert stats.nbinom_sf(15, 3.0, 0.0) == stats.poisson_sf(15, 3.0)
    assert stats.nbinom_sf(0, 3.0, 0.5) == 1.0


def test_benjamini_hochberg_step_up():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    rejected, adjusted = stats.benjamini_hochberg(p, 0.05)
    # The classic example: the two smallest are rejected at 5 %, not the third (0.039 > 3/10·0.05
    # … and no larger rank rescues it).
    assert rejected == [True, True] + [False] * 8
    assert adjusted[0] == pytest.approx(0.01)
    assert adjusted[1] == pytest.approx(0.04)
    assert all(a <= b for a, b in zip(sorted(adjusted), sorted(adjusted)[1:], strict=False))
    assert stats.benjamini_hochberg([], 0.05) == ([], [])


def test_benjamini_hochberg_step_up_rescues_smaller_ranks():
    # 0.04 alone would fail at rank 2 of 4 (0.025), but rank 4 passes (0.049 <= 0.05): all go.
    rejected, _ = stats.benjamini_hochberg([0.01, 0.04, 0.045, 0.049], 0.05)
    assert rejected == [True, True, True, True]


def test_dispersion_by_moments():
    assert stats.dispersion([(4.0, 4.0), (9.0, 9.0)]) == 0.0  # Poisson: variance = mean
    assert stats.dispersion([(4.0, 4.0 + 0.5 * 16)]) == pytest.approx(0.5)
    assert stats.dispersion([]) == 0.0
    assert stats.forecast_alpha(4.0, 0.0, 8) == pytest.approx((4.0 * 9 / 8 - 4.0) / 16)


def test_score_is_minus_log10():
    assert stats.score(0.001) == 3.0
    assert stats.score(0.0) == 30.0
