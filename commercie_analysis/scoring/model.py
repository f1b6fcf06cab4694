"""The scoring model: a portable, checked description of how answers become scores.

A :class:`ScoringModel` holds everything another system needs to score new
respondents the way the calibration did: the instrument (id, version and a hash of the
item texts), each item's answer range and reverse key, the weights, the centres, the
missing-answer policy, the calibration sample's score means and standard deviations,
norms, provenance and a few reference respondents with their expected scores. It is
saved as JSON that follows ``schemas/scoring_model.schema.json`` and carries a
SHA-256 checksum over its content; loading checks all of it.

The scoring rule, for each score ``s`` over its items ``j``::

    value_j = min_j + max_j - x_j   if the model applies reverse keys and j is reversed
              x_j                   otherwise
    term_j  = weight_sj * (value_j - centre_j)
    score_s = intercept_s + P_s * sum of term_j over the answered items
    P_s     = sum_j |weight_sj| / sum_{answered j} |weight_sj|  if prorate_s, else 1

and no score when fewer than ``min_answered_s`` of its items are answered. Unit
weights (``weight = 1/k``, centre 0, reverse keys applied, prorated) give the mean of
the answered keyed items; factor-score weights (``weight = W_js / sd_j``, centre the
item mean, raw answers, not prorated) give ``z @ W`` with a missing answer counted at
the item mean.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .. import __version__
from ..exceptions import DataError, ModelError
from ..instruments import Instrument, load_instrument
from ..outputs import output_file
from .engine import BLOCK_ROWS, Engine, range_message
from .fileformat import (
    SCHEMA_VERSION,
    check_schema,
    check_schema_version,
    content_checksum,
    data_sha256,
    item_text_sha256,
    json_number,
    json_safe,
    load_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "ModelItem",
    "ScoreRule",
    "ScoringModel",
    "item_text_sha256",
    "data_sha256",
    "load_schema",
]

_REFERENCE_TOLERANCE = 1e-9
UNIT_METHODS = ("unit_mean", "unit_sum")
FACTOR_METHODS = ("regression", "bartlett", "tenberge")


@dataclass(frozen=True)
class ModelItem:
    """An item as the scoring model sees it.

    Attributes
    ----------
    id : str
        Column name of the item in the answers.
    construct : str
        The construct the instrument keys it on.
    reverse : bool
        Whether it is keyed in reverse (scored ``min + max - x`` by unit weights).
    min, max : float
        The valid answer range.
    centre : float
        Subtracted from the (keyed) answer before weighting: 0 for unit weights, the
        calibration mean for factor-score weights.
    mean, sd : float or None
        Calibration-sample mean and standard deviation (``ddof=1``) of the raw answers.
    """

    id: str
    construct: str
    reverse: bool
    min: float
    max: float
    centre: float = 0.0
    mean: float | None = None
    sd: float | None = None


@dataclass(frozen=True)
class ScoreRule:
    """How one score is computed from its items (see the module docstring).

    Attributes
    ----------
    id : str
        Score name (a construct id).
    items : tuple of str
        The items that enter the score.
    weights : tuple of float
        One weight per item.
    intercept : float
        Added to the weighted sum.
    min_answered : int
        Fewest answered items that still give a score.
    prorate : bool
        Whether the weighted sum is scaled up for unanswered items.
    """

    id: str
    items: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float = 0.0
    min_answered: int = 1
    prorate: bool = True


@dataclass(frozen=True)
class ScoringModel:
    """A calibrated, portable scoring model.

    Build one with :meth:`unit_weighted` or
    :func:`commercie_analysis.scoring.calibrate`; save it with :meth:`save` and read
    it back with :meth:`load`, which refuses a changed, truncated or mismatched file.

    Attributes
    ----------
    instrument : dict
        ``id``, ``version``, ``name``, ``construct_kind`` and ``item_text_sha256``.
    method : str
        ``unit_mean``, ``unit_sum``, ``regression``, ``bartlett`` or ``tenberge``.
    apply_reverse_keys : bool
        Whether reverse-keyed answers are turned round before weighting.
    items : tuple of ModelItem
    scores : tuple of ScoreRule
    missing_codes : tuple of float
        Answer codes that mean "no answer".
    standardisation : dict
        Per score, ``mean`` and ``sd`` (``ddof=1``) in the calibration sample.
    factor_correlations : dict or None
        For factor-score weights, the correlations of the factors in the fitted
        model (never correlations of the estimated scores).
    norms : dict or None
        See :mod:`commercie_analysis.scoring.norms`.
    profile : dict or None
        For an instrument whose constructs are types: ``band``, the largest gap
        between the two highest scores that still counts as ``mixed``.
    provenance : dict
        ``data_sha256``, ``data_hash_of``, ``n``, ``date``, ``package_version`` and
        details of the calibration.
    reference_respondents : tuple of dict
        ``id``, ``answers`` and ``expected`` scores, re-scored on every load.

    Examples
    --------
    >>> import pandas as pd
    >>> from commercie_analysis import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> answers = pd.DataFrame([[4.0] * 25, [1.0] * 25], columns=bfi.item_ids,
    ...                        index=pd.Index(["r1", "r2"], name="respondent_id"))
    >>> model = ScoringModel.unit_weighted(bfi, answers, n_reference=0)
    >>> model.score(answers)["agreeableness"].round(9).tolist()  # A1 reversed: 7 - x
    [3.8, 2.0]
    """

    instrument: dict[str, Any]
    method: str
    apply_reverse_keys: bool
    items: tuple[ModelItem, ...]
    scores: tuple[ScoreRule, ...]
    missing_codes: tuple[float, ...] = ()
    standardisation: dict[str, dict[str, float]] = field(default_factory=dict)
    factor_correlations: dict[str, Any] | None = None
    norms: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    reference_respondents: tuple[dict[str, Any], ...] = ()

    # -- views -------------------------------------------------------------------

    @property
    def item_ids(self) -> list[str]:
        """The model's item ids, in order."""
        return [item.id for item in self.items]

    @property
    def score_ids(self) -> list[str]:
        """The ids of the scores the model gives, in order."""
        return [rule.id for rule in self.scores]

    @property
    def checksum(self) -> str:
        """SHA-256 of the canonical JSON of the content (see :func:`_canonical`)."""
        return content_checksum(self._content())

    def weight_matrix(self) -> pd.DataFrame:
        """The weights as an items x scores DataFrame (0 where an item is not used)."""
        out = pd.DataFrame(0.0, index=self.item_ids, columns=self.score_ids)
        for rule in self.scores:
            out.loc[list(rule.items), rule.id] = rule.weights
        return out

    # -- building ----------------------------------------------------------------

    @classmethod
    def unit_weighted(
        cls,
        instrument: Instrument | str | Path,
        responses: pd.DataFrame,
        *,
        data_sha256: str | None = None,
        kind: str = "mean",
        min_answered: int | Mapping[str, int] | None = None,
        prorate: bool = True,
        norm_group: str | None = None,
        n_reference: int = 5,
        date: str | None = None,
        profile_band: float = 0.25,
    ) -> ScoringModel:
        """The instrument's key as a scoring model: keyed means (or sums) of items.

        Parameters
        ----------
        instrument : Instrument, str or Path
            The instrument whose key is applied.
        responses : DataFrame
            Calibration answers, one column per item (float, NaN = missing), indexed
            by respondent id; other columns may be present. They give the item and
            score means and SDs, the norms and the reference respondents.
        data_sha256 : str, optional
            SHA-256 of the data file the responses came from. Without it the hash of
            the item answers is recorded (see :func:`data_sha256`).
        kind : {"mean", "sum"}, default="mean"
            Mean of the answered keyed items, or their sum (prorated if ``prorate``).
        min_answered : int or mapping, optional
            Fewest answered items that still give a score, for all scores or per
            construct. Default: half the construct's items, rounded up.
        prorate : bool, default=True
            Scale sums up for unanswered items (means are always over the answered
            items, which is the same thing).
        norm_group : str, optional
            A column of ``responses`` (such as gender or company size) to give norms
            per group, next to the overall norms.
        n_reference : int, default=5
            How many calibration respondents to store as reference respondents.
        date : str, optional
            Calibration date (ISO 8601); default today (UTC).
        profile_band : float, default=0.25
            For an instrument of types: the largest gap between the two highest
            scores (in score units) at which a profile is flagged ``mixed``.

        Returns
        -------
        ScoringModel

        Notes
        -----
        Reverse-keyed items are scored ``min + max - x``, as in R psych
        ``scoreItems(keys, items, totals = FALSE, impute = "none")``; on the bfi
        complete cases the scores equal psych 2.2.9's to 1e-9.
        """
        instrument = load_instrument(instrument)
        if kind not in ("mean", "sum"):
            raise ModelError(f"kind: expected 'mean' or 'sum', found {kind!r}")
        responses = _item_frame(responses, instrument.item_ids, "responses")

        rules = []
        for construct in instrument.construct_ids:
            keyed = instrument.items_of(construct)
            k = len(keyed)
            weight = 1.0 / k if kind == "mean" else 1.0
            rules.append(
                ScoreRule(
                    id=construct,
                    items=tuple(keyed),
                    weights=(weight,) * k,
                    intercept=0.0,
                    min_answered=_min_answered(min_answered, construct, k),
                    prorate=True if kind == "mean" else bool(prorate),
                )
            )
        items = _model_items(instrument, responses, centres=None)
        return cls._assemble(
            instrument,
            responses,
            method=f"unit_{kind}",
            apply_reverse_keys=True,
            items=items,
            rules=rules,
            data_hash=data_sha256,
            norm_group=norm_group,
            n_reference=n_reference,
            date=date,
            factor_correlations=None,
            calibration={"weights": f"unit ({kind} of the keyed items)"},
            profile_band=profile_band,
        )

    @classmethod
    def from_factor_weights(
        cls,
        instrument: Instrument | str | Path,
        responses: pd.DataFrame,
        weights: pd.DataFrame,
        *,
        method: str,
        factor_correlations: pd.DataFrame | None = None,
        data_sha256: str | None = None,
        min_answered: int | Mapping[str, int] | None = None,
        norm_group: str | None = None,
        n_reference: int = 5,
        date: str | None = None,
        calibration: Mapping[str, Any] | None = None,
        profile_band: float = 0.25,
    ) -> ScoringModel:
        """A model that scores ``z @ W`` with factor-score weights ``W``.

        Parameters
        ----------
        instrument : Instrument, str or Path
        responses : DataFrame
            The calibration answers (their item means and SDs standardise the
            answers, as R psych ``factor.scores`` does with ``scale(x)``).
        weights : DataFrame
            Items x constructs factor-score weights for standardised items, from
            :func:`commercie_analysis.scoring.factor_score_weights`.
        method : {"regression", "bartlett", "tenberge"}
            How the weights were found (recorded).
        factor_correlations : DataFrame, optional
            The fitted model's factor correlations (recorded as they are).
        data_sha256, min_answered, norm_group, n_reference, date, profile_band
            As in :meth:`unit_weighted`; ``min_answered`` defaults to half of all
            items, rounded up.
        calibration : mapping, optional
            Details of the factor solution to record in the provenance.

        Returns
        -------
        ScoringModel
        """
        instrument = load_instrument(instrument)
        if method not in FACTOR_METHODS:
            raise ModelError(
                f"method: expected one of {list(FACTOR_METHODS)}, found {method!r}"
            )
        responses = _item_frame(responses, instrument.item_ids, "responses")
        weights = _weights_frame(weights, instrument)

        values = responses[instrument.item_ids]
        means = values.mean()
        sds = values.std(ddof=1)
        flat = sds[~(sds > 0)]
        if len(flat):
            raise DataError(
                f"responses: item(s) {list(flat.index)} have no variance in the "
                "calibration sample; factor-score weights need every item to vary"
            )
        items = _model_items(instrument, responses, centres=means)

        p = len(instrument.item_ids)
        rules = []
        for construct in weights.columns:
            raw = weights[construct] / sds
            rules.append(
                ScoreRule(
                    id=str(construct),
                    items=tuple(instrument.item_ids),
                    weights=tuple(float(w) for w in raw.to_numpy()),
                    intercept=0.0,
                    min_answered=_min_answered(min_answered, str(construct), p),
                    prorate=False,
                )
            )
        phi = None
        if factor_correlations is not None:
            phi = _matrix_dict(pd.DataFrame(factor_correlations))
        details = {"weights": method, **dict(calibration or {})}
        return cls._assemble(
            instrument,
            responses,
            method=method,
            apply_reverse_keys=False,
            items=items,
            rules=rules,
            data_hash=data_sha256,
            norm_group=norm_group,
            n_reference=n_reference,
            date=date,
            factor_correlations=phi,
            calibration=details,
            profile_band=profile_band,
        )

    @classmethod
    def _assemble(
        cls,
        instrument,
        responses,
        *,
        method,
        apply_reverse_keys,
        items,
        rules,
        data_hash,
        norm_group,
        n_reference,
        date,
        factor_correlations,
        calibration,
        profile_band,
    ) -> ScoringModel:
        from .norms import build_norms

        if n_reference < 0:
            raise ModelError(f"n_reference: expected 0 or more, found {n_reference}")
        hash_of = "data file"
        if data_hash is not None and not _is_sha256(data_hash):
            raise ModelError(
                f"data_sha256: expected 64 lowercase hex digits, found {data_hash!r}"
            )
        if date is not None and not _is_date(date):
            raise ModelError(f"date: expected YYYY-MM-DD, found {date!r}")
        if data_hash is None:
            data_hash = data_sha256(responses[instrument.item_ids])
            hash_of = "item answers (see commercie_analysis.scoring.data_sha256)"

        profile = None
        if instrument.construct_kind == "type":
            if not (isinstance(profile_band, int | float) and profile_band >= 0):
                raise ModelError(
                    f"profile_band: expected a number >= 0, found {profile_band!r}"
                )
            profile = {"band": float(profile_band), "scale": "score"}

        draft = cls(
            instrument=_instrument_block(instrument),
            method=method,
            apply_reverse_keys=apply_reverse_keys,
            items=tuple(items),
            scores=tuple(rules),
            missing_codes=tuple(float(c) for c in instrument.scale.missing_codes),
            factor_correlations=factor_correlations,
            profile=profile,
            provenance={
                "data_sha256": data_hash,
                "data_hash_of": hash_of,
                "n": int(len(responses)),
                "date": date or _dt.datetime.now(_dt.UTC).date().isoformat(),
                "package": "commercie_analysis",
                "package_version": __version__,
                "calibration": dict(calibration),
            },
        )

        # Standardisation and norms come from the calibration sample's own scores.
        scores = draft.score(responses)
        standardisation = {
            s: {
                "mean": float(scores[s].mean()),
                "sd": float(scores[s].std(ddof=1)),
                "n": int(scores[s].notna().sum()),
            }
            for s in draft.score_ids
        }
        groups = None
        if norm_group is not None:
            if norm_group not in responses.columns:
                raise DataError(
                    f"norm_group: column {norm_group!r} not in the responses; "
                    f"columns: {list(map(str, responses.columns))}"
                )
            groups = responses[norm_group]
        norms = build_norms(scores, groups, group_column=norm_group)
        reference = _reference_respondents(draft, responses, scores, n_reference)
        return _replace(
            draft,
            standardisation=standardisation,
            norms=norms,
            reference_respondents=tuple(reference),
        )

    # -- scoring -----------------------------------------------------------------

    def score(
        self, responses: pd.DataFrame, *, check_range: bool = True
    ) -> pd.DataFrame:
        """Score respondents.

        Parameters
        ----------
        responses : DataFrame
            One column per model item (float, NaN = missing; the model's missing
            codes count as missing), indexed by respondent id.
        check_range : bool, default=True
            Refuse answers outside the items' answer ranges.

        Returns
        -------
        DataFrame
            One column per score, same index; NaN where too few items were answered.

        Raises
        ------
        DataError
            If items are missing, answers are not numbers or lie outside the range
            (the message names the respondents).
        """
        frame = _item_frame(responses, self.item_ids, "responses")
        # Row-major, so that blocks of rows are contiguous for the fast path.
        values = np.ascontiguousarray(frame[self.item_ids].to_numpy(dtype=np.float64))
        values = self._mark_missing(values)
        out = self._score_values(values, check_range, frame.index)
        return pd.DataFrame(out, index=frame.index, columns=self.score_ids)

    def score_array(
        self, values: np.ndarray, *, check_range: bool = True
    ) -> np.ndarray:
        """Score a respondents x items array of answers in the model's item order.

        This is the fast path: rows without missing answers are scored by one matrix
        product per block of rows; only rows with a missing answer take the slower,
        prorating route. Missing codes must already be NaN (:meth:`score` does it).

        Parameters
        ----------
        values : ndarray of shape (n, p)
            Answers as float, NaN for missing.
        check_range : bool, default=True
            Raise :class:`DataError` on answers outside the items' ranges.

        Returns
        -------
        ndarray of shape (n, n_scores)
        """
        return self._score_values(np.asarray(values), check_range, None)

    def _score_values(self, values, check_range, index) -> np.ndarray:
        if values.ndim != 2 or values.shape[1] != len(self.items):
            raise DataError(
                f"values: expected an array of shape (n, {len(self.items)}), "
                f"found {values.shape}"
            )
        if values.dtype != np.float64 and values.dtype != np.float32:
            values = values.astype(np.float64)
        engine = self._engine()
        out = np.empty((values.shape[0], len(self.scores)), dtype=np.float64)

        # Blocks of a few thousand rows stay in cache; a BLAS thread pool brings
        # nothing to products this small and stalls when the cores are busy.
        with threadpool_limits(limits=1, user_api="blas"):
            for start in range(0, values.shape[0], BLOCK_ROWS):
                block = values[start : start + BLOCK_ROWS]
                target = out[start : start + BLOCK_ROWS]
                bad = engine.score_block(block, target, check_range)
                if bad is not None:
                    stop = start + block.shape[0]
                    rows = (
                        pd.RangeIndex(start, stop)
                        if index is None
                        else index[start:stop]
                    )
                    raise DataError(range_message(bad, block, rows, engine.item_ids))
        return out

    def standardise(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Scores as z-scores with the calibration sample's means and SDs.

        Examples
        --------
        >>> import pandas as pd
        >>> from commercie_analysis import load_instrument
        >>> answers = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
        >>> spec = {"id": "x", "name": "x", "version": "1", "languages": ["en"],
        ...         "scale": {"min": 1, "max": 3}, "constructs": [{"id": "c"}],
        ...         "items": [{"id": "a", "text": "A", "construct": "c"}]}
        >>> model = ScoringModel.unit_weighted(Instrument.from_dict(spec), answers)
        >>> model.standardise(model.score(answers))["c"].tolist()
        [-1.0, 0.0, 1.0]
        """
        out = pd.DataFrame(index=scores.index)
        for s in self.score_ids:
            params = self.standardisation[s]
            out[s] = (scores[s] - params["mean"]) / params["sd"]
        return out

    def normed(self, scores: pd.DataFrame, groups: pd.Series | None = None):
        """Percentile ranks, T-scores and stanines of scores against the norms.

        See :func:`commercie_analysis.scoring.norms.apply_norms`.
        """
        from .norms import apply_norms

        if self.norms is None:
            raise ModelError("the model has no norms")
        return apply_norms(scores, self.norms, groups)

    def type_profile(self, scores: pd.DataFrame) -> pd.DataFrame:
        """Dominant type, gap to the second and ``mixed`` flag of each respondent.

        See :func:`commercie_analysis.scoring.score.type_profile`.
        """
        from .score import type_profile

        if self.profile is None:
            raise ModelError(
                f"instrument {self.instrument['id']!r} has construct_kind "
                f"{self.instrument['construct_kind']!r}; a type profile needs 'type'"
            )
        return type_profile(scores[self.score_ids], band=self.profile["band"])

    # -- JSON --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model as the JSON document :meth:`save` writes (with its checksum)."""
        content = self._content()
        return {
            **content,
            "checksum": {"algorithm": "sha256", "value": content_checksum(content)},
        }

    def to_json(self) -> str:
        """The JSON text :meth:`save` writes."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)

    def save(self, path: str | Path) -> Path:
        """Write the model as JSON (all or nothing; never into ``data/raw``).

        Parameters
        ----------
        path : str or Path
            The file to write, conventionally ``scoring_model.json``.

        Returns
        -------
        Path
        """
        text = self.to_json()
        with output_file(path, "out") as staged:
            staged.write_text(text + "\n", encoding="utf-8")
        return Path(path)

    @classmethod
    def load(
        cls, path: str | Path, instrument: Instrument | str | Path | None = None
    ) -> ScoringModel:
        """Read a model file and check it, refusing anything that does not add up.

        Parameters
        ----------
        path : str or Path
        instrument : Instrument, str or Path, optional
            If given, the model must belong to this instrument: same id, version
            and item texts.

        Returns
        -------
        ScoringModel

        Raises
        ------
        ModelError
            Naming the check that failed: ``file``, ``json``, ``schema version``,
            ``schema``, ``checksum``, ``consistency``, ``instrument`` or
            ``reference respondents``.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelError(f"{path}: file check failed: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(
                f"{path}: file check failed: cannot read it ({exc})"
            ) from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(
                f"{path}: json check failed: not valid JSON at line {exc.lineno} "
                f"column {exc.colno} ({exc.msg}); the file is truncated or is not a "
                "scoring model"
            ) from None
        return cls.from_dict(document, instrument=instrument, source=str(path))

    @classmethod
    def from_dict(
        cls,
        document: Mapping[str, Any],
        instrument: Instrument | str | Path | None = None,
        source: str = "<dict>",
    ) -> ScoringModel:
        """Build a model from its JSON document, with every check of :meth:`load`."""
        if not isinstance(document, Mapping):
            raise ModelError(
                f"{source}: schema check failed: expected a JSON object, found "
                f"{type(document).__name__}"
            )
        check_schema_version(document, source)
        check_schema(document, source)

        content = {k: v for k, v in document.items() if k != "checksum"}
        expected = document["checksum"]["value"]
        found = content_checksum(content)
        if found != expected:
            raise ModelError(
                f"{source}: checksum check failed: the content does not match the "
                f"stored checksum (stored {expected[:12]}..., content "
                f"{found[:12]}...); the file was changed after it was saved"
            )

        model = _from_content(content, source)
        if instrument is not None:
            model.check_instrument(instrument, source)
        model.check_reference(source)
        return model

    def check_instrument(self, instrument, source: str = "model") -> None:
        """Refuse if the model was not made for ``instrument`` (id, version, texts)."""
        instrument = load_instrument(instrument)
        mine = self.instrument
        problems = []
        if mine["id"] != instrument.id:
            problems.append(f"instrument id {mine['id']!r} != {instrument.id!r}")
        if mine["version"] != instrument.version:
            problems.append(
                f"instrument version {mine['version']!r} != {instrument.version!r}"
            )
        if mine["item_text_sha256"] != item_text_sha256(instrument):
            problems.append("the item texts differ (item_text_sha256)")
        if problems:
            raise ModelError(
                f"{source}: instrument check failed: the model was calibrated for "
                f"{mine['id']} {mine['version']}, not {instrument.id} "
                f"{instrument.version}: {'; '.join(problems)}"
            )

    def check_reference(self, source: str = "model") -> None:
        """Re-score the reference respondents and refuse any difference > 1e-9."""
        if not self.reference_respondents:
            return
        answers = pd.DataFrame(
            [
                [_nan(r["answers"].get(i)) for i in self.item_ids]
                for r in self.reference_respondents
            ],
            columns=self.item_ids,
            index=[r["id"] for r in self.reference_respondents],
        )
        expected = pd.DataFrame(
            [
                [_nan(r["expected"].get(s)) for s in self.score_ids]
                for r in self.reference_respondents
            ],
            columns=self.score_ids,
            index=answers.index,
        )
        try:
            found = self.score(answers)
        except DataError as exc:
            raise ModelError(
                f"{source}: reference respondents check failed: {exc}"
            ) from None
        a, b = found.to_numpy(), expected.to_numpy()
        bad = ~((np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= _REFERENCE_TOLERANCE))
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ModelError(
                f"{source}: reference respondents check failed: respondent "
                f"{answers.index[row]!r}, score {self.score_ids[col]!r}: expected "
                f"{b[row, col]!r}, the model gives {a[row, col]!r}"
            )

    # -- internals ---------------------------------------------------------------

    def _content(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "commercie_analysis.scoring_model",
            "instrument": dict(self.instrument),
            "method": self.method,
            "apply_reverse_keys": self.apply_reverse_keys,
            "missing_codes": [json_number(c) for c in self.missing_codes],
            "items": [
                {
                    "id": it.id,
                    "construct": it.construct,
                    "reverse": it.reverse,
                    "min": json_number(it.min),
                    "max": json_number(it.max),
                    "centre": json_number(it.centre),
                    "mean": None if it.mean is None else json_number(it.mean),
                    "sd": None if it.sd is None else json_number(it.sd),
                }
                for it in self.items
            ],
            "scores": [
                {
                    "id": r.id,
                    "items": list(r.items),
                    "weights": [json_number(w) for w in r.weights],
                    "intercept": json_number(r.intercept),
                    "min_answered": int(r.min_answered),
                    "prorate": bool(r.prorate),
                }
                for r in self.scores
            ],
            "missing_policy": self._missing_policy(),
            "standardisation": json_safe(self.standardisation),
            "factor_correlations": json_safe(self.factor_correlations),
            "norms": json_safe(self.norms),
            "profile": json_safe(self.profile),
            "provenance": json_safe(self.provenance),
            "reference_respondents": json_safe(list(self.reference_respondents)),
        }

    def _missing_policy(self) -> dict[str, Any]:
        if self.method in UNIT_METHODS:
            text = (
                "A score needs at least min_answered of its items answered; the "
                "weighted sum is prorated over the answered items (for means: the "
                "mean of the answered keyed items)."
            )
        else:
            text = (
                "A score needs at least min_answered of its items answered; an "
                "unanswered item counts at its calibration mean (z = 0), no prorating."
            )
        return {
            "description": text,
            "missing_codes": [json_number(c) for c in self.missing_codes],
            "min_answered": {r.id: int(r.min_answered) for r in self.scores},
            "prorate": {r.id: bool(r.prorate) for r in self.scores},
            "out_of_range": "error",
        }

    def _mark_missing(self, values: np.ndarray) -> np.ndarray:
        if not self.missing_codes:
            return values
        return np.where(np.isin(values, self.missing_codes), np.nan, values)

    def _engine(self) -> Engine:
        cached = self.__dict__.get("_cached_engine")
        if cached is None:
            cached = Engine(self)
            object.__setattr__(self, "_cached_engine", cached)
        return cached


# -- helpers -----------------------------------------------------------------------


def _is_sha256(value) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and set(value) <= set("0123456789abcdef")
    )


def _is_date(value) -> bool:
    try:
        _dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return isinstance(value, str)


def _nan(value) -> float:
    return np.nan if value is None else float(value)


def _replace(model: ScoringModel, **changes) -> ScoringModel:
    from dataclasses import replace

    return replace(model, **changes)


def _instrument_block(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "version": instrument.version,
        "name": instrument.name_in("en"),
        "construct_kind": instrument.construct_kind,
        "item_text_sha256": item_text_sha256(instrument),
    }


def _item_frame(responses, item_ids: Sequence[str], parameter: str) -> pd.DataFrame:
    """Check that ``responses`` has every item as a numeric column."""
    if not isinstance(responses, pd.DataFrame):
        raise DataError(
            f"{parameter}: expected a DataFrame, found {type(responses).__name__}"
        )
    missing = [i for i in item_ids if i not in responses.columns]
    if missing:
        raise DataError(
            f"{parameter}: {len(missing)} item column(s) missing: {missing}"
        )
    converted = {}
    for item in item_ids:
        column = responses[item]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(
            column
        ):
            numbers = pd.to_numeric(column, errors="coerce")
            bad = column[numbers.isna() & column.notna()]
            if len(bad):
                examples = [str(v) for v in bad.unique()[:5]]
                raise DataError(
                    f"{parameter}: column {item!r} holds answers that are not "
                    f"numbers, e.g. {examples}"
                )
            converted[item] = numbers.astype(float)
    if converted:
        responses = responses.assign(**converted)
    return responses


def _weights_frame(weights, instrument: Instrument) -> pd.DataFrame:
    if not isinstance(weights, pd.DataFrame):
        raise ModelError(
            f"weights: expected an items x constructs DataFrame, found "
            f"{type(weights).__name__}"
        )
    missing = [i for i in instrument.item_ids if i not in weights.index]
    if missing:
        raise ModelError(f"weights: no row for item(s) {missing}")
    weights = weights.loc[instrument.item_ids].astype(float)
    if not np.isfinite(weights.to_numpy()).all():
        raise ModelError("weights: contain NaN or infinite values")
    return weights


def _min_answered(setting, construct: str, k: int) -> int:
    if setting is None:
        value = math.ceil(k / 2)
    elif isinstance(setting, Mapping):
        value = setting.get(construct, math.ceil(k / 2))
    else:
        value = setting
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ModelError(f"min_answered: expected a whole number, found {value!r}")
    if not 1 <= value <= k:
        raise ModelError(
            f"min_answered for {construct!r}: expected 1..{k} (its number of items), "
            f"found {value}"
        )
    return int(value)


def _model_items(instrument: Instrument, responses, centres) -> list[ModelItem]:
    values = responses[instrument.item_ids]
    means, sds = values.mean(), values.std(ddof=1)
    out = []
    for item in instrument.items:
        out.append(
            ModelItem(
                id=item.id,
                construct=item.construct,
                reverse=item.reverse,
                min=float(instrument.scale.min),
                max=float(instrument.scale.max),
                centre=0.0 if centres is None else float(centres[item.id]),
                mean=_finite_or_none(means[item.id]),
                sd=_finite_or_none(sds[item.id]),
            )
        )
    return out


def _finite_or_none(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _matrix_dict(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "rows": [str(r) for r in frame.index],
        "cols": [str(c) for c in frame.columns],
        "values": [[float(v) for v in row] for row in frame.to_numpy()],
    }


def _reference_respondents(model, responses, scores, n: int) -> list[dict[str, Any]]:
    """The first complete respondents and, if any, the first with a missing answer."""
    if n == 0:
        return []
    values = responses[model.item_ids]
    complete = values.notna().all(axis=1)
    chosen = list(values.index[complete][: max(n - 1, 1)])
    partial = values.index[~complete & scores.notna().any(axis=1)]
    if len(partial):
        chosen.append(partial[0])
    out = []
    for rid in chosen[:n]:
        row = values.loc[rid]
        out.append(
            {
                "id": str(rid),
                "answers": {i: _finite_or_none(row[i]) for i in model.item_ids},
                "expected": {
                    s: _finite_or_none(scores.loc[rid, s]) for s in model.score_ids
                },
            }
        )
    return out


def _from_content(content: Mapping[str, Any], source: str) -> ScoringModel:
    items = tuple(
        ModelItem(
            id=it["id"],
            construct=it["construct"],
            reverse=it["reverse"],
            min=float(it["min"]),
            max=float(it["max"]),
            centre=float(it["centre"]),
            mean=None if it.get("mean") is None else float(it["mean"]),
            sd=None if it.get("sd") is None else float(it["sd"]),
        )
        for it in content["items"]
    )
    rules = tuple(
        ScoreRule(
            id=r["id"],
            items=tuple(r["items"]),
            weights=tuple(float(w) for w in r["weights"]),
            intercept=float(r["intercept"]),
            min_answered=int(r["min_answered"]),
            prorate=bool(r["prorate"]),
        )
        for r in content["scores"]
    )
    _check_consistency(items, rules, source)
    return ScoringModel(
        instrument=dict(content["instrument"]),
        method=content["method"],
        apply_reverse_keys=content["apply_reverse_keys"],
        items=items,
        scores=rules,
        missing_codes=tuple(float(c) for c in content["missing_codes"]),
        standardisation=content["standardisation"],
        factor_correlations=content.get("factor_correlations"),
        norms=content.get("norms"),
        profile=content.get("profile"),
        provenance=content["provenance"],
        reference_respondents=tuple(content.get("reference_respondents") or ()),
    )


def _check_consistency(items: Iterable[ModelItem], rules, source: str) -> None:
    items = list(items)
    ids = [it.id for it in items]
    problems = []
    if len(set(ids)) != len(ids):
        problems.append("duplicated item ids")
    for it in items:
        if not it.min < it.max:
            problems.append(f"item {it.id!r} has min {it.min:g} >= max {it.max:g}")
    known = set(ids)
    for r in rules:
        if len(r.items) != len(r.weights):
            problems.append(
                f"score {r.id!r} has {len(r.items)} items but {len(r.weights)} weights"
            )
        unknown = [i for i in r.items if i not in known]
        if unknown:
            problems.append(f"score {r.id!r} uses unknown item(s) {unknown}")
        if len(set(r.items)) != len(r.items):
            problems.append(f"score {r.id!r} lists an item twice")
        if not 1 <= r.min_answered <= len(r.items):
            problems.append(
                f"score {r.id!r} has min_answered {r.min_answered} outside "
                f"1..{len(r.items)}"
            )
    score_ids = [r.id for r in rules]
    if len(set(score_ids)) != len(score_ids):
        problems.append("duplicated score ids")
    if problems:
        raise ModelError(f"{source}: consistency check failed: {'; '.join(problems)}")
