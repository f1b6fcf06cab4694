"""Seller profiles and market profiles from answers.

A seller has all four seller types "to a greater or lesser degree": the result is one
score per type, the dominant type, the gap between the two highest scores and a flag
for a mixed profile, never only a label. A market is described on the same
categories plus a split construct whose two poles refine each category into the
market profiles named in the instrument spec (eight for the market profile).

Scores are unit-weighted means of the keyed answers (reverse-keyed items turned
round, missing codes dropped) unless a scoring model is given: any object with a
``score(frame)`` method returning one column per construct, such as
:class:`commercie_analysis.scoring.ScoringModel`.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from .exceptions import DataError, InstrumentError
from .instruments import Instrument, load_instrument

__all__ = [
    "GROUP_COLUMNS",
    "construct_scores",
    "seller_profiles",
    "market_profiles",
    "company_market_profiles",
    "describe_rule",
]

#: Columns carried from the answers into the profile tables when present.
GROUP_COLUMNS = ("company", "role", "language")


class _Scorer(Protocol):
    def score(self, responses: pd.DataFrame) -> pd.DataFrame: ...


def _indexed(responses: pd.DataFrame, id_column: str) -> pd.DataFrame:
    if not isinstance(responses, pd.DataFrame):
        raise DataError(
            f"responses must be a DataFrame, found {type(responses).__name__}"
        )
    if id_column in responses.columns:
        ids = responses[id_column]
        duplicated = ids[ids.duplicated()].unique().tolist()
        if duplicated:
            raise DataError(
                f"column {id_column!r} holds {len(duplicated)} duplicated id(s): "
                f"{duplicated[:5]}"
            )
        return responses.set_index(id_column)
    return responses


def construct_scores(
    responses: pd.DataFrame,
    instrument: Instrument | str,
    scoring: _Scorer | None = None,
    *,
    min_answered: float = 0.5,
    id_column: str = "respondent_id",
) -> pd.DataFrame:
    r"""Score each respondent on each construct.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with a column per item; a column ``id_column``
        becomes the index when present.
    instrument : Instrument or str
        Gives the key, the answer scale and the missing codes.
    scoring : object with a ``score(frame)`` method, optional
        A scoring model; it receives the item columns indexed by respondent and
        must return one column per construct. Without it, unit-weighted means.
    min_answered : float, default=0.5
        Unit-weighted means only: the share of a construct's items that must be
        answered for a score; fewer gives NaN.
    id_column : str, default="respondent_id"

    Returns
    -------
    DataFrame
        Respondents x constructs. ``attrs["scale"]`` records the units: the answer
        scale ``(min, max)`` for unit-weighted means, else the scoring model's
        method.

    Notes
    -----
    The unit-weighted score is :math:`\bar x_c = \frac{1}{|A_c|}\sum_{i \in A_c}
    \tilde x_i`, the mean over the answered items ``A_c`` of construct ``c``,
    with :math:`\tilde x_i = \min + \max - x_i` for reverse-keyed items.

    Examples
    --------
    >>> cp = load_instrument("commercial_profile")
    >>> answers = pd.DataFrame([[5] * 28, [9] * 27 + [1]], columns=cp.item_ids)
    >>> construct_scores(answers, cp).round(2)
       adviseur  ervaringsdeskundige  relatiebouwer  afsluiter
    0      3.86                 3.86           3.86       3.86
    1       NaN                  NaN            NaN        NaN
    """
    instrument = load_instrument(instrument)
    frame = _indexed(responses, id_column)
    missing = [item for item in instrument.item_ids if item not in frame.columns]
    if missing:
        raise DataError(
            f"responses lack {len(missing)} item(s) of instrument {instrument.id!r}: "
            f"{missing[:8]}"
        )
    items = frame[instrument.item_ids]

    if scoring is not None:
        if not callable(getattr(scoring, "score", None)):
            raise DataError(
                "scoring must have a score(frame) method, found "
                f"{type(scoring).__name__}"
            )
        scores = scoring.score(items)
        absent = [c for c in instrument.construct_ids if c not in scores.columns]
        if absent:
            raise DataError(
                f"the scoring model gives no score for construct(s) {absent} of "
                f"instrument {instrument.id!r}; it gives {list(scores.columns)}"
            )
        scores = scores[instrument.construct_ids].astype(float)
        method = getattr(scoring, "method", "model")
        scale = (
            (instrument.scale.min, instrument.scale.max)
            if method == "unit_mean"
            else str(method)
        )
        scores.attrs["scale"] = scale
        return scores

    # answers as numbers, missing codes and out-of-scale answers refused or dropped
    try:
        values = items.apply(pd.to_numeric, errors="raise").astype(float)
    except (TypeError, ValueError):
        bad = [
            c
            for c in items.columns
            if pd.to_numeric(items[c], errors="coerce").isna().sum()
            > items[c].isna().sum()
        ]
        raise DataError(
            f"item column(s) {bad[:5]} hold text where answer codes are expected"
        ) from None
    values = values.mask(values.isin(instrument.scale.missing_codes))
    low, high = instrument.scale.min, instrument.scale.max
    outside = values.notna() & ~values.isin(range(low, high + 1))
    if outside.any().any():
        where = outside.stack()
        where = where[where].index[:5].tolist()
        raise DataError(
            f"{int(outside.sum().sum())} answer(s) outside the scale {low}..{high} "
            f"and not a missing code {list(instrument.scale.missing_codes)}; first "
            f"(respondent, item): {where}"
        )
    for item in instrument.reverse_keyed:
        values[item] = low + high - values[item]

    # unit-weighted means over the answered items
    scores = {}
    for construct in instrument.construct_ids:
        block = values[instrument.items_of(construct)]
        answered = block.notna().sum(axis=1)
        enough = answered >= min_answered * block.shape[1]
        scores[construct] = block.mean(axis=1).where(enough & (answered > 0))
    scores = pd.DataFrame(scores, index=frame.index)
    scores.attrs["scale"] = (low, high)
    return scores


def _dominance(scores: pd.DataFrame, mixed_band: float) -> pd.DataFrame:
    # means of a few whole-number answers tie often; rounding away floating-point
    # noise lets equal scores tie, whatever the order of summation was
    values = np.round(scores.to_numpy(dtype=float), 10)
    complete = ~np.isnan(values).any(axis=1)
    order = np.argsort(-np.where(complete[:, None], values, 0), axis=1, kind="stable")
    columns = np.array(scores.columns)
    top = np.take_along_axis(values, order[:, :1], axis=1)[:, 0]
    second = np.take_along_axis(values, order[:, 1:2], axis=1)[:, 0]
    gap = top - second
    out = pd.DataFrame(index=scores.index)
    out["dominant"] = pd.Series(columns[order[:, 0]], index=scores.index).where(
        complete
    )
    out["second"] = pd.Series(columns[order[:, 1]], index=scores.index).where(complete)
    out["gap"] = np.where(complete, gap, np.nan)
    out["mixed"] = pd.Series(gap < mixed_band, index=scores.index).where(complete)
    return out


def _carry_groups(responses, index, id_column):
    frame = _indexed(responses, id_column)
    present = [c for c in GROUP_COLUMNS if c in frame.columns]
    return frame.loc[index, present]


def seller_profiles(
    responses: pd.DataFrame,
    instrument: Instrument | str = "commercial_profile",
    scoring: _Scorer | None = None,
    *,
    mixed_band: float | None = None,
    id_column: str = "respondent_id",
) -> pd.DataFrame:
    """Seller profiles: a score per type, the dominant type, the gap, mixed or not.

    Parameters
    ----------
    responses : DataFrame
        Answers, one row per seller.
    instrument : Instrument or str, default="commercial_profile"
    scoring : object with ``score(frame)``, optional
        See :func:`construct_scores`.
    mixed_band : float, optional
        A profile is ``mixed`` when its two highest scores lie less than this apart.
        Default: the scoring model's ``profile["band"]`` when it has one, else 0.25
        (a quarter of an answer category for unit-weighted means).
    id_column : str, default="respondent_id"

    Returns
    -------
    DataFrame
        Group columns present in the answers (company, role, language), one column
        per type, then ``dominant``, ``second``, ``gap`` and ``mixed``. Respondents
        lacking a score have NA in the last four. ``attrs["scale"]`` as in
        :func:`construct_scores`.

    Examples
    --------
    >>> cp = load_instrument("commercial_profile")
    >>> neutral = {item: 3 for item in cp.item_ids}
    >>> builder = dict(neutral, cp_rel1=5, cp_rel2=5, cp_rel6=1)
    >>> answers = pd.DataFrame([builder, neutral], index=["s1", "s2"])
    >>> seller_profiles(answers)[["relatiebouwer", "dominant", "gap", "mixed"]].round(2)
        relatiebouwer       dominant   gap  mixed
    s1           3.86  relatiebouwer  0.86  False
    s2           3.00       adviseur  0.00   True
    """
    instrument = load_instrument(instrument)
    if instrument.construct_kind != "type":
        raise InstrumentError(
            f"instrument {instrument.id!r}: seller profiles need constructs that are "
            f"types (construct_kind: type), found {instrument.construct_kind!r}"
        )
    scores = construct_scores(responses, instrument, scoring, id_column=id_column)
    types = [c for c in instrument.construct_ids if not _is_split(instrument, c)]
    if mixed_band is None:
        band = (getattr(scoring, "profile", None) or {}).get("band")
        mixed_band = float(band) if band is not None else 0.25
    out = pd.concat(
        [
            _carry_groups(responses, scores.index, id_column),
            scores[types],
            _dominance(scores[types], mixed_band),
        ],
        axis=1,
    )
    out.attrs["scale"] = scores.attrs["scale"]
    out.attrs["mixed_band"] = mixed_band
    return out


def _is_split(instrument, construct):
    return (
        instrument.profiles is not None
        and instrument.profiles.split_construct == construct
    )


def _split_cut(split, values: pd.Series, instrument: Instrument, scale=None) -> float:
    """The cut of the split construct; a given number must lie on the score scale.

    ``scale`` is the scores' ``attrs["scale"]``: ``(min, max)`` of the answer
    scale for unit-weighted means; for a scoring model's scores (another unit)
    only a finite number is required.
    """
    if isinstance(split, str):
        if split == "median":
            if values.notna().sum() == 0:
                raise DataError("split='median': no respondent has a split score")
            return float(values.median())
        if split == "midpoint":
            return (instrument.scale.min + instrument.scale.max) / 2
        raise DataError(
            f"split must be 'median', 'midpoint' or a number, found {split!r}"
        )
    cut = float(split)
    if not np.isfinite(cut):
        raise DataError(f"split (--split): expected a finite number, found {split!r}")
    if isinstance(scale, tuple | list) and len(scale) == 2:
        low, high = scale
        if not low <= cut <= high:
            raise DataError(
                f"split (--split) {split!r}: outside the score scale {low}..{high} "
                f"of instrument {instrument.id!r}; give a cut within it, median or "
                "midpoint"
            )
    return cut


def _assign(scores, instrument, cut, mixed_band):
    profiles = instrument.profiles
    categories = list(dict.fromkeys(p.construct for p in profiles.profiles))
    dominance = _dominance(scores[categories], mixed_band)
    split_scores = scores[profiles.split_construct]
    pole = pd.Series(np.where(split_scores >= cut, "high", "low"), index=scores.index)
    pole = pole.where(split_scores.notna())
    lookup = {(p.construct, p.pole): p.id for p in profiles.profiles}
    profile = [
        lookup.get((d, p)) if isinstance(d, str) and isinstance(p, str) else None
        for d, p in zip(dominance["dominant"], pole, strict=True)
    ]
    out = dominance.rename(columns={"dominant": "category"})
    out["pole"] = pole
    out["profile"] = pd.Series(profile, index=scores.index, dtype="string")
    return out


def market_profiles(
    responses: pd.DataFrame,
    instrument: Instrument | str = "market_profile",
    scoring: _Scorer | None = None,
    *,
    split: str | float = "median",
    mixed_band: float = 0.25,
    id_column: str = "respondent_id",
) -> pd.DataFrame:
    """Market profiles per respondent: category scores, split score, named profile.

    Parameters
    ----------
    responses : DataFrame
        Answers, one row per manager; a ``company`` column is carried along.
    instrument : Instrument or str, default="market_profile"
        Must have a ``profiles`` section.
    scoring : object with ``score(frame)``, optional
        See :func:`construct_scores`.
    split : {"median", "midpoint"} or float, default="median"
        Where the split construct is cut into its poles: the sample median (both
        poles equally filled), the midpoint of the answer scale, or a given value
        (within the answer scale for unit-weighted means, else a DataError). A
        score at the cut or above is the ``high`` pole.
    mixed_band : float, default=0.25
        As in :func:`seller_profiles`, for the categories.
    id_column : str, default="respondent_id"

    Returns
    -------
    DataFrame
        Group columns, the category scores, the split score, then ``category`` (the
        dominant one), ``second``, ``gap``, ``mixed``, ``pole`` and ``profile``.
        ``attrs`` hold ``scale`` and ``split_cut``.

    Examples
    --------
    >>> mp = load_instrument("market_profile")
    >>> row = {i.id: 3 for i in mp.items}
    >>> row.update({i: 5 for i in ("mp_afs1", "mp_afs2", "mp_afs3", "mp_kf1")})
    >>> market_profiles(pd.DataFrame([row]), split="midpoint")[["category", "profile"]]
        category               profile
    0  afsluiter  afsluiter_acquisitie
    """
    instrument = load_instrument(instrument)
    if instrument.profiles is None:
        raise InstrumentError(
            f"instrument {instrument.id!r} has no profiles section; market profiles "
            "need one (see ProfileSet in the instrument spec)"
        )
    scores = construct_scores(responses, instrument, scoring, id_column=id_column)
    cut = _split_cut(
        split,
        scores[instrument.profiles.split_construct],
        instrument,
        scores.attrs.get("scale"),
    )
    out = pd.concat(
        [
            _carry_groups(responses, scores.index, id_column),
            scores,
            _assign(scores, instrument, cut, mixed_band),
        ],
        axis=1,
    )
    out.attrs.update(scale=scores.attrs["scale"], split_cut=cut)
    return out


def company_market_profiles(
    profiles: pd.DataFrame,
    instrument: Instrument | str = "market_profile",
    *,
    by: str = "company",
    split: str | float | None = None,
    mixed_band: float = 0.25,
) -> pd.DataFrame:
    """One market profile per company from the profiles of its managers.

    The aggregation rule: a company's score on each construct is the mean of its
    managers' scores (managers without a score on it are skipped); the company is
    then assigned exactly like one respondent, with the split cut used for the
    respondents (``profiles.attrs["split_cut"]``) unless ``split`` is given.

    Parameters
    ----------
    profiles : DataFrame
        The output of :func:`market_profiles`.
    instrument : Instrument or str, default="market_profile"
    by : str, default="company"
        The column that names the company.
    split : {"median", "midpoint"} or float, optional
        Override the cut; "median" is then the median over companies.
    mixed_band : float, default=0.25

    Returns
    -------
    DataFrame
        Indexed by company: ``n_respondents``, the mean scores, the assignment
        columns of :func:`market_profiles`, and ``agreement``, the share of the
        company's managers whose own profile equals the company's.

    Examples
    --------
    >>> mp = load_instrument("market_profile")
    >>> rows = []
    >>> for company, strong in (("A", "mp_rel1"), ("A", "mp_rel2"), ("B", "mp_adv1")):
    ...     row = {i.id: 3 for i in mp.items}
    ...     row.update(company=company, **{strong: 5, "mp_kf5": 5})
    ...     rows.append(row)
    >>> each = market_profiles(pd.DataFrame(rows), split="midpoint")
    >>> company_market_profiles(each)[["n_respondents", "profile", "agreement"]]
             n_respondents                     profile  agreement
    company
    A                    2  relatiebouwer_ontwikkeling        1.0
    B                    1       adviseur_ontwikkeling        1.0
    """
    instrument = load_instrument(instrument)
    if by not in profiles.columns:
        raise DataError(
            f"profiles have no column {by!r} to group by; columns: "
            f"{list(profiles.columns)}"
        )
    constructs = instrument.construct_ids
    absent = [c for c in constructs if c not in profiles.columns]
    if absent:
        raise DataError(f"profiles lack the score column(s) {absent}")
    grouped = profiles.groupby(by, sort=True)
    means = grouped[constructs].mean()
    if split is None:
        cut = profiles.attrs.get("split_cut")
        if cut is None:
            raise DataError(
                "profiles carry no split cut (attrs['split_cut']); pass split="
            )
    else:
        cut = _split_cut(
            split,
            means[instrument.profiles.split_construct],
            instrument,
            profiles.attrs.get("scale"),
        )
    assigned = _assign(means, instrument, cut, mixed_band)
    agreement = (
        profiles[[by, "profile"]]
        .assign(company_profile=lambda f: f[by].map(assigned["profile"]))
        .assign(same=lambda f: f["profile"] == f["company_profile"])
        .groupby(by)["same"]
        .mean()
    )
    out = pd.concat([grouped.size().rename("n_respondents"), means, assigned], axis=1)
    out["agreement"] = agreement.astype(float)
    out.attrs.update(scale=profiles.attrs.get("scale"), split_cut=cut)
    return out


def describe_rule() -> dict[str, Any]:
    """Describe the company aggregation rule, for manifests and reports.

    Examples
    --------
    >>> describe_rule()["company_scores"]
    "mean of the managers' construct scores"
    """
    return {
        "company_scores": "mean of the managers' construct scores",
        "assignment": "dominant category x pole of the split construct",
        "pole": "high when the split score is at the cut or above",
    }
