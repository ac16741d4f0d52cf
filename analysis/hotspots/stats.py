"""The count model of the hotspots: upper tails of the Poisson and negative-binomial laws, and the
Benjamini–Hochberg step-up procedure.

Why these: a cell's count of distinct callers in a period is a count of rare, independent-ish
events, so Poisson is the natural null law; real complaint counts are overdispersed (weather,
a broken main that makes a street call for three days), so the tail used for decisions is the
negative binomial with the same mean and a variance ``mu + alpha * mu**2`` estimated from the
history (``alpha = 0`` is Poisson). A surge is then "a count this high is improbable under the
cell's own baseline", a p-value, and thousands of cells are tested at once, so the false alarms
are controlled with Benjamini–Hochberg (the expected share of false alarms among the cells
reported stays under the configured rate) rather than a fixed per-cell threshold.

scipy is not a dependency of the platform; these tails are a few lines with ``math.lgamma`` and
summing the probability mass upward from ``x`` keeps tiny p-values exact (no ``1 - cdf``
cancellation). tests/analysis/test_hotspot_stats.py checks them against scipy when available.
"""

import math

_TAIL_TERMS = 100_000  # enough for any count a cell reaches; the terms fall geometrically past it
_EPSILON = 1e-17


def _log_poisson(x: int, mu: float) -> float:
    return x * math.log(mu) - mu - math.lgamma(x + 1)


def _log_nbinom(x: int, mu: float, alpha: float) -> float:
    # r = 1/alpha "successes", success probability p = r / (r + mu): mean mu, variance
    # mu + alpha * mu^2.
    r = 1.0 / alpha
    return (
        math.lgamma(x + r)
        - math.lgamma(r)
        - math.lgamma(x + 1)
        + r * math.log(r / (r + mu))
        + x * math.log(mu / (r + mu))
    )


def _upper_tail(log_pmf, x: int, mu: float) -> float:
    if x <= 0:
        return 1.0
    if x <= mu:
        # Near or below the mean the tail is large: 1 - P(X < x), summed over the few lower terms.
        lower = sum(math.exp(log_pmf(k)) for k in range(x))
        return min(1.0, max(0.0, 1.0 - lower))
    total, k = 0.0, x
    while k < x + _TAIL_TERMS:
        term = math.exp(log_pmf(k))
        total += term
        if term < total * _EPSILON:
            break
        k += 1
    return min(1.0, total)


def poisson_sf(x: int, mu: float) -> float:
    """P(X >= x) for X ~ Poisson(mu)."""
    if mu <= 0:
        return 0.0 if x > 0 else 1.0
    return _upper_tail(lambda k: _log_poisson(k, mu), x, mu)


def nbinom_sf(x: int, mu: float, alpha: float) -> float:
    """P(X >= x) for a negative binomial of mean ``mu`` and variance ``mu + alpha * mu**2``;
    Poisson when ``alpha`` is (nearly) 0."""
    if alpha <= 1e-9:
        return poisson_sf(x, mu)
    if mu <= 0:
        return 0.0 if x > 0 else 1.0
    return _upper_tail(lambda k: _log_nbinom(k, mu, alpha), x, mu)


def benjamini_hochberg(p_values: list[float], rate: float) -> tuple[list[bool], list[float]]:
    """Which hypotheses are rejected at false-discovery rate ``rate``, and each one's adjusted
    p-value (q-value): the smallest rate at which it would be rejected."""
    m = len(p_values)
    if m == 0:
        return [], []
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # step-up: from the largest p-value down
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = running
    return [q <= rate for q in adjusted], adjusted


def dispersion(pairs: list[tuple[float, float]]) -> float:
    """The overdispersion ``alpha`` of ``variance = mu + alpha * mu**2``, by the method of moments
    pooled over many cells: ``pairs`` are (baseline mean, baseline variance). Pooling matters: a
    cell has only a few baseline periods, too few to estimate its own variance."""
    numerator = sum(var - mu for mu, var in pairs if mu > 0)
    denominator = sum(mu * mu for mu, var in pairs if mu > 0)
    if denominator <= 0:
        return 0.0
    return max(0.0, numerator / denominator)


def forecast_alpha(mu: float, alpha: float, periods: int) -> float:
    """The alpha of the law of a new count around a mean estimated from ``periods`` past counts:
    its variance is the count's own plus the estimate's, ``(1 + 1/periods) (mu + alpha mu^2)``,
    expressed as a negative binomial of mean ``mu``."""
    if mu <= 0 or periods <= 0:
        return alpha
    variance = (1.0 + 1.0 / periods) * (mu + alpha * mu * mu)
    return max(0.0, (variance - mu) / (mu * mu))


def score(p_value: float) -> float:
    """-log10 p, capped: how surprising a count is, on a scale a table can sort by."""
    return round(min(30.0, -math.log10(max(p_value, 1e-30))), 2)
