"""Calibration: from an instrument and clean responses to a scoring model.

Unit weights apply the instrument's key (keyed means). Factor-score weights come
from an exploratory factor solution with as many factors as the key has constructs,
or from a solution rotated towards the key (``rotation="target"``); the factors are
matched to the constructs by Tucker congruence and signed to agree with the key
(:func:`commercie_analysis.validation.align_to_key`) before the weights are computed
(:func:`commercie_analysis.scoring.weights.factor_score_weights`). The factor
correlations stored in the model are the fitted model's ``Phi``, not correlations of
the estimated scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import DataError, ModelError
from ..instruments import Instrument, load_instrument
from .model import ScoringModel
from .weights import factor_score_weights

__all__ = ["calibrate", "WEIGHT_METHODS"]

WEIGHT_METHODS = ("unit", "regression", "bartlett", "tenberge")


def calibrate(
    instrument: Instrument | str | Path,
    responses: pd.DataFrame,
    *,
    weights: str = "unit",
    norm_group: str | None = None,
    data_sha256: str | None = None,
    factor_method: str = "minres",
    rotation: str = "oblimin",
    min_answered: int | Mapping[str, int] | None = None,
    n_reference: int = 5,
    date: str | None = None,
    profile_band: float = 0.25,
) -> ScoringModel:
    """Calibrate a scoring model on clean responses.

    Parameters
    ----------
    instrument : Instrument, str or Path
    responses : DataFrame
        One column per item (float, NaN = missing), indexed by respondent id; the
        ``norm_group`` column if one is named.
    weights : {"unit", "regression", "bartlett", "tenberge"}, default="unit"
        Unit weights (keyed means), or factor-score weights by one of three methods.
    norm_group : str, optional
        Column of ``responses`` giving the reference groups of the norms.
    data_sha256 : str, optional
        SHA-256 of the data file, recorded in the provenance.
    factor_method : {"minres", "ml", "pa"}, default="minres"
        Extraction of the factor solution (factor-score weights only).
    rotation : str, default="oblimin"
        Rotation of the factor solution; ``"target"`` rotates towards the key
        (partially specified target: keyed loadings free, others towards 0).
    min_answered : int or mapping, optional
        Missing-answer policy; see :meth:`ScoringModel.unit_weighted`.
    n_reference : int, default=5
        Reference respondents stored in the model.
    date : str, optional
        Calibration date, default today.
    profile_band : float, default=0.25
        Band of the ``mixed`` flag for an instrument of types.

    Returns
    -------
    ScoringModel

    Notes
    -----
    Factor-score weights are calibrated on the complete cases (the factor solution
    is fitted on them, and their item means and SDs standardise the answers, as
    ``scale(x)`` in R psych ``factor.scores``); unit weights use every respondent.

    Examples
    --------
    >>> from commercie_analysis.datasets import load_bfi
    >>> model = calibrate("bfi", load_bfi(), weights="unit", norm_group="gender")
    >>> model.method, sorted(model.norms["groups"])
    ('unit_mean', ['1', '2'])
    """
    instrument = load_instrument(instrument)
    if weights not in WEIGHT_METHODS:
        raise ModelError(
            f"weights: expected one of {list(WEIGHT_METHODS)}, found {weights!r}"
        )
    common = {
        "data_sha256": data_sha256,
        "min_answered": min_answered,
        "norm_group": norm_group,
        "n_reference": n_reference,
        "date": date,
        "profile_band": profile_band,
    }
    from ..rotation import ROTATIONS

    if rotation not in ROTATIONS:
        raise DataError(
            f"rotation (--rotation): expected one of {', '.join(ROTATIONS)}, found "
            f"{rotation!r}"
        )
    if weights == "unit":
        return ScoringModel.unit_weighted(instrument, responses, **common)

    missing = [i for i in instrument.item_ids if i not in responses.columns]
    if missing:
        raise DataError(f"responses: {len(missing)} item column(s) missing: {missing}")
    complete = responses.dropna(subset=instrument.item_ids)
    n_items, n_factors = instrument.n_items, len(instrument.construct_ids)
    if len(complete) < max(n_items + 1, 50):
        raise DataError(
            f"responses: {len(complete)} complete cases; factor-score weights need at "
            f"least {max(n_items + 1, 50)}"
        )
    solution = _factor_solution(instrument, complete, factor_method, rotation)
    w = factor_score_weights(
        solution["correlation"], solution["loadings"], solution["phi"], method=weights
    )
    details: dict[str, Any] = {
        "factor_method": factor_method,
        "rotation": rotation,
        "n_factors": n_factors,
        "n_complete": int(len(complete)),
        "correlation": "Pearson, complete cases",
        "alignment": "Tucker congruence with the key (Hungarian), signed by the key",
        "loadings": _matrix(solution["loadings"]),
    }
    return ScoringModel.from_factor_weights(
        instrument,
        complete,
        w,
        method=weights,
        factor_correlations=solution["phi"],
        calibration=details,
        **common,
    )


def _factor_solution(instrument, complete, method, rotation) -> dict[str, Any]:
    from ..factoring import FactorAnalysis
    from ..rotation import target_from_key
    from ..validation import align_to_key

    key = instrument.key_matrix()
    options = None
    if rotation in ("target", "target_orthogonal"):
        options = {"target": target_from_key(key.to_numpy())}
    fa = FactorAnalysis(
        n_factors=len(instrument.construct_ids),
        method=method,
        rotation=rotation,
        rotation_options=options,
    ).fit(complete[instrument.item_ids])
    loadings, phi, _ = align_to_key(fa.loadings_, key, fa.phi_)
    return {"correlation": fa.correlation_, "loadings": loadings, "phi": phi}


def _matrix(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "rows": [str(r) for r in frame.index],
        "cols": [str(c) for c in frame.columns],
        "values": [[float(v) for v in row] for row in frame.to_numpy()],
    }
