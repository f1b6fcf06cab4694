r"""Matching seller profiles to a market profile.

A seller profile (commercial profile) and a market profile are scored on the same
four categories, so they can be compared. Four indices, each capturing something
else:

``correlation``
    Pearson correlation across the categories: the *shape* only (which categories
    are higher than which). Blind to elevation and spread: a seller who agrees with
    everything a little less than the market asks still correlates 1. Prefer it when
    respondents differ in how they use the scale (acquiescence) and only the
    pattern matters. Undefined (NaN) for a flat profile.
``euclidean``
    :math:`\sqrt{\sum_c (s_c - m_c)^2}` in answer-scale points: elevation, scatter
    and shape together. Prefer it when the levels themselves mean something (a
    market that asks a lot of every category needs a seller who offers a lot).
``cosine``
    The cosine of the angle between the two profiles measured from the midpoint of
    the answer scale: the direction of agreement and disagreement, not its size.
    (Measured from zero, every profile on a 1..5 scale points the same way and the
    cosine is close to 1 for everybody.)
``cattell_rp``
    Cattell's pattern similarity coefficient :math:`r_p = (2k - \sum_c d_c^2) /
    (2k + \sum_c d_c^2)`, with :math:`d_c` the difference in standard-deviation
    units and :math:`k` the median of the chi-square distribution with as many
    degrees of freedom as categories (Cattell, 1949; Horn, 1961). Like the
    distance it uses elevation and shape, but it is bounded (-1..1), 0 when two
    profiles are as far apart as two random ones, and weighs each category by its
    spread. Prefer it to compare matches across instruments or samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import DataError

__all__ = [
    "INDICES",
    "check_same_scale",
    "profile_similarity",
    "match_sellers",
    "team_coverage",
]

#: The indices and whether a higher value is a better match.
INDICES = {"correlation": True, "euclidean": False, "cosine": True, "cattell_rp": True}


def _scale_of(obj):
    scale = getattr(obj, "attrs", {}).get("scale")
    if isinstance(scale, list):
        scale = tuple(scale)
    return scale


def check_same_scale(sellers, market, scale=None) -> tuple[list[str], tuple | str]:
    """Check that seller and market profiles are on the same scale.

    Parameters
    ----------
    sellers : DataFrame or Series
        Seller scores, one column (or entry) per category.
    market : Series or DataFrame
        Market scores.
    scale : (min, max) or str, optional
        The units when the profiles do not record them in ``attrs["scale"]`` (the
        profile functions of :mod:`commercie_analysis.profiles` do).

    Returns
    -------
    (list of str, scale)
        The shared categories (the seller's, in their order) and the scale.

    Raises
    ------
    DataError
        If the recorded scales differ, no scale is known, a category of the seller
        is missing from the market, or a score lies outside the answer scale.

    Examples
    --------
    >>> sellers = pd.DataFrame({"a": [4.0, 2.0], "b": [3.0, 5.0]})
    >>> market = pd.Series({"a": 4.5, "b": 2.0, "split": 3.0})
    >>> check_same_scale(sellers, market, scale=(1, 5))
    (['a', 'b'], (1, 5))
    """
    seller_scale, market_scale = _scale_of(sellers), _scale_of(market)
    if seller_scale is not None and market_scale is not None:
        if seller_scale != market_scale:
            raise DataError(
                f"seller profiles are on scale {seller_scale} and the market profile "
                f"on {market_scale}; score both the same way (for example both as "
                "unit-weighted means on the answer scale)"
            )
    known = seller_scale if seller_scale is not None else market_scale
    if (
        known is not None
        and scale is not None
        and tuple(np.atleast_1d(scale)) != (tuple(np.atleast_1d(known)))
    ):
        raise DataError(f"scale={scale} disagrees with the profiles' scale {known}")
    scale = known if known is not None else scale
    if scale is None:
        raise DataError(
            "the scale of the profiles is unknown: pass scale=(min, max) or use the "
            "profiles made by commercie_analysis.profiles"
        )

    categories = list(
        sellers.columns if isinstance(sellers, pd.DataFrame) else sellers.index
    )
    market_keys = market.columns if isinstance(market, pd.DataFrame) else market.index
    absent = [c for c in categories if c not in market_keys]
    if absent:
        raise DataError(
            f"the market profile lacks the seller categor(ies) {absent}; it has "
            f"{list(market_keys)}"
        )
    if isinstance(scale, tuple):
        low, high = scale
        for name, values in (("seller", sellers), ("market", market)):
            block = (
                values[categories]
                if not isinstance(values, pd.Series)
                else (values[categories])
            )
            array = np.asarray(block, dtype=float)
            outside = np.sum((array < low) | (array > high))
            if outside:
                raise DataError(
                    f"{int(outside)} {name} score(s) lie outside the answer scale "
                    f"{low}..{high}; are they standardised? Score both profiles the "
                    "same way"
                )
    return categories, scale


def _sd_vector(sd, categories) -> np.ndarray:
    if sd is None:
        return np.ones(len(categories))
    if isinstance(sd, pd.Series):
        absent = [c for c in categories if c not in sd.index]
        if absent:
            raise DataError(f"sd lacks the categor(ies) {absent}")
        sd = sd[categories].to_numpy(dtype=float)
    sd = np.broadcast_to(np.asarray(sd, dtype=float), (len(categories),))
    if not (sd > 0).all():
        raise DataError(f"sd must be positive for every category, found {sd.tolist()}")
    return sd


def _indices(s: np.ndarray, m: np.ndarray, sd: np.ndarray, midpoint: float):
    k = s.shape[-1]
    diff = s - m
    euclidean = np.sqrt((diff**2).sum(axis=-1))

    sc = s - s.mean(axis=-1, keepdims=True)
    mc = m - m.mean()
    denom = np.sqrt((sc**2).sum(axis=-1) * (mc**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.where(denom > 0, (sc * mc).sum(axis=-1) / denom, np.nan)
        sm, mm = s - midpoint, m - midpoint
        norm = np.sqrt((sm**2).sum(axis=-1) * (mm**2).sum())
        cosine = np.where(norm > 0, (sm * mm).sum(axis=-1) / norm, np.nan)

    d2 = ((diff / sd) ** 2).sum(axis=-1)
    median = stats.chi2.median(k)
    cattell = (2 * median - d2) / (2 * median + d2)
    return correlation, euclidean, cosine, cattell


def profile_similarity(
    seller: pd.Series, market: pd.Series, *, sd=None, scale=None
) -> pd.Series:
    r"""Compute the four matching indices for one seller against one market.

    Parameters
    ----------
    seller, market : Series
        Scores per category (the market may hold more, such as the split).
    sd : float or Series, optional
        Standard deviation per category for Cattell's rp (the differences are
        divided by it); default 1, i.e. answer-scale points.
    scale : (min, max), optional
        See :func:`check_same_scale`.

    Returns
    -------
    Series
        ``correlation``, ``euclidean``, ``cosine`` and ``cattell_rp``.

    Notes
    -----
    Hand-worked check (below): seller (4, 2, 3, 5), market (5, 1, 3, 4) on 1..5.
    Differences (-1, 1, 0, 1), so the distance is :math:`\sqrt 3 = 1.732`. Centred
    on their means (3.5 and 3.25) the correlation is 5.5 / sqrt(5 x 8.75) = 0.832.
    From the midpoint 3, cosine = (1*2 + -1*-2 + 0 + 2*1) / (sqrt 6 x sqrt 9) =
    0.816. With sd = 1, the chi-square median with 4 degrees of freedom is 3.357,
    so rp = (6.713 - 3) / (6.713 + 3) = 0.382.

    Examples
    --------
    >>> seller = pd.Series({"a": 4.0, "b": 2.0, "c": 3.0, "d": 5.0})
    >>> market = pd.Series({"a": 5.0, "b": 1.0, "c": 3.0, "d": 4.0})
    >>> profile_similarity(seller, market, scale=(1, 5)).round(3)
    correlation    0.832
    euclidean      1.732
    cosine         0.816
    cattell_rp     0.382
    dtype: float64
    """
    categories, scale = check_same_scale(seller, market, scale)
    midpoint = sum(scale) / 2 if isinstance(scale, tuple) else 0.0
    s = seller[categories].to_numpy(dtype=float)
    m = market[categories].to_numpy(dtype=float)
    values = _indices(s, m, _sd_vector(sd, categories), midpoint)
    return pd.Series([float(v) for v in values], index=list(INDICES))


def match_sellers(
    sellers: pd.DataFrame,
    market: pd.Series,
    *,
    by: str = "euclidean",
    sd=None,
    scale=None,
    categories: list[str] | None = None,
) -> pd.DataFrame:
    """Rank sellers for a market on the four matching indices.

    Parameters
    ----------
    sellers : DataFrame
        Seller profiles, e.g. from :func:`commercie_analysis.profiles.seller_profiles`
        (columns other than the categories are carried along).
    market : Series
        The market's scores (a row of ``market_profiles`` or
        ``company_market_profiles``, or a mean over managers).
    by : {"euclidean", "correlation", "cosine", "cattell_rp"}, default="euclidean"
        The index that sets the rank (smallest distance or highest similarity first).
    sd : float or Series, optional
        For Cattell's rp; default: the sellers' standard deviation per category
        (``ddof=1``) when there are at least 2 sellers, else 1.
    scale : (min, max), optional
        See :func:`check_same_scale`.
    categories : list of str, optional
        The categories to compare; default the seller categories of the
        commercial profile present in ``sellers`` (all numeric columns otherwise).

    Returns
    -------
    DataFrame
        Sorted by ``rank``: the indices, ``rank`` and the carried columns.

    Examples
    --------
    >>> sellers = pd.DataFrame({"a": [4.0, 2.0], "b": [3.0, 5.0]}, index=["s1", "s2"])
    >>> market = pd.Series({"a": 4.5, "b": 2.0})
    >>> match_sellers(sellers, market, scale=(1, 5))[["euclidean", "rank"]].round(2)
        euclidean  rank
    s1       1.12     1
    s2       3.91     2
    """
    if by not in INDICES:
        raise DataError(f"by must be one of {list(INDICES)}, found {by!r}")
    if not isinstance(sellers, pd.DataFrame) or sellers.empty:
        raise DataError("sellers must be a non-empty DataFrame of seller profiles")
    categories = categories or _categories(sellers)
    scale = _scale_of(sellers) or scale
    block = sellers[categories]
    block.attrs["scale"] = scale
    categories, scale = check_same_scale(block, market, scale)
    complete = block.notna().all(axis=1)
    if not complete.all():
        raise DataError(
            f"{int((~complete).sum())} seller(s) lack a score: "
            f"{list(block.index[~complete][:5])}"
        )
    if sd is None and len(block) >= 2:
        sd = block.std(ddof=1).replace(0.0, 1.0)
    midpoint = sum(scale) / 2 if isinstance(scale, tuple) else 0.0
    values = _indices(
        block.to_numpy(dtype=float),
        np.asarray(market[categories], dtype=float),
        _sd_vector(sd, categories),
        midpoint,
    )
    out = pd.DataFrame(dict(zip(INDICES, values, strict=True)), index=block.index)
    key = out[by] if not INDICES[by] else -out[by]
    out["rank"] = key.rank(method="min", na_option="bottom").astype(int)
    carried = sellers.drop(columns=categories)
    out = pd.concat([out, carried], axis=1).sort_values(["rank"], kind="stable")
    out.attrs.update(scale=scale, by=by, categories=categories)
    return out


def _categories(sellers: pd.DataFrame) -> list[str]:
    from .instruments import load_instrument

    types = load_instrument("commercial_profile").construct_ids
    present = [c for c in types if c in sellers.columns]
    if present:
        return present
    numeric = sellers.select_dtypes("number").columns
    return [c for c in numeric if c not in ("gap",)]


def team_coverage(
    sellers: pd.DataFrame,
    market: pd.Series,
    *,
    scale=None,
    categories: list[str] | None = None,
) -> pd.DataFrame:
    """How well a team covers what a market asks for, category by category.

    Parameters
    ----------
    sellers : DataFrame
        The team's seller profiles.
    market : Series
        The market's scores.
    scale : (min, max), optional
    categories : list of str, optional
        As in :func:`match_sellers`.

    Returns
    -------
    DataFrame
        One row per category: ``market`` (what it asks), ``team_mean``,
        ``team_best`` and ``best_seller``, ``n_meeting`` (sellers scoring at least
        what the market asks), ``n_dominant`` (sellers whose dominant type it is,
        when the profiles have a ``dominant`` column), ``gap`` (how far the team's
        best falls short, 0 when covered) and ``covered``.

    Examples
    --------
    >>> sellers = pd.DataFrame({"a": [4.0, 2.0], "b": [3.0, 3.5]}, index=["s1", "s2"])
    >>> market = pd.Series({"a": 3.5, "b": 4.0})
    >>> team_coverage(sellers, market, scale=(1, 5))[["team_best", "gap", "covered"]]
       team_best  gap  covered
    a        4.0  0.0     True
    b        3.5  0.5    False
    """
    categories = categories or _categories(sellers)
    block = sellers[categories]
    block.attrs["scale"] = _scale_of(sellers) or scale
    categories, scale = check_same_scale(block, market, scale)
    demand = pd.Series(np.asarray(market[categories], dtype=float), index=categories)
    out = pd.DataFrame(index=pd.Index(categories, name="category"))
    out["market"] = demand
    out["team_mean"] = block.mean()
    out["team_best"] = block.max()
    out["best_seller"] = block.idxmax()
    out["n_meeting"] = block.ge(demand, axis=1).sum()
    if "dominant" in sellers.columns:
        counts = sellers["dominant"].value_counts()
        out["n_dominant"] = [int(counts.get(c, 0)) for c in categories]
    out["gap"] = (demand - out["team_best"]).clip(lower=0.0)
    out["covered"] = out["gap"] == 0
    out.index.name = None
    out.attrs["scale"] = scale
    return out
