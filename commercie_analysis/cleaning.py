"""Cleaning survey responses: each step a stated policy, each reason logged.

:func:`clean` reads an export (or takes a DataFrame), maps it onto an instrument
(:func:`commercie_analysis.io.read_responses`) and runs the steps below in this
order. Every step judges every respondent read, so a respondent left out for two
reasons gets two lines in the log. A step whose policy is ``"flag"`` keeps the
respondent and logs a ``flagged`` line; ``"exclude"`` leaves the respondent out and
logs an ``excluded`` line; ``"off"`` skips the step.

Steps
-----
missing_codes
    Answers equal to a code that means "no answer" (the spec's
    ``scale.missing_codes`` plus ``policy.missing_codes``) become missing.
out_of_range
    Answers that are not whole numbers within the scale: an error naming the
    count per item (``"error"``, the default), the respondent left out
    (``"exclude"``) or the answer set missing and the respondent flagged
    (``"missing"``).
duplicate_ids
    A respondent id seen on an earlier row: that row is left out (``"exclude"``,
    the first is kept) or the data refused (``"error"``).
duplicates
    Exact duplicate submissions: rows equal to an earlier row in every column but
    the respondent id, the duration and date/time columns.
min_answered
    Fewer items answered than ``policy.min_answered`` (a count, or a share of the
    items when below 1); at least one answer is always required.
missing
    ``"listwise"``: respondents with any item unanswered are left out, the
    reason naming the items. ``"pairwise"``: kept; analyses use what they have.
speeders
    Duration below ``policy.speed_fraction`` times the median duration.
attention
    Attention checks of the spec answered otherwise than expected (no answer
    counts as failed).
longstring, irv, mahalanobis, even_odd, synonyms
    The careless-responding indices of :mod:`commercie_analysis.careless`, each
    flagged or excluded against its threshold in :class:`CarelessPolicy`.

Personal data (:mod:`commercie_analysis.privacy`) are removed, or pseudonymised,
from the responses before anything is returned or written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import careless as careless_indices
from . import privacy
from .exceptions import DataError
from .instruments import Instrument, load_instrument
from .io import RawResponses, read_responses
from .io.readers import row_place
from .outputs import output_folder
from .paths import PROJECT_ROOT

__all__ = [
    "CARELESS_INDICES",
    "STEPS",
    "CarelessPolicy",
    "CleanResult",
    "CleaningPolicy",
    "clean",
]

STEPS = (
    "missing_codes",
    "out_of_range",
    "duplicate_ids",
    "duplicates",
    "min_answered",
    "missing",
    "speeders",
    "attention",
    "longstring",
    "irv",
    "mahalanobis",
    "even_odd",
    "synonyms",
)
CARELESS_INDICES = ("longstring", "irv", "mahalanobis", "even_odd", "synonyms")

_ACTIONS = ("flag", "exclude", "off")
_DURATION_NAMES = (
    "duration (in seconds)",
    "duration",
    "duration_seconds",
    "interviewtime",
    "duur",
    "duur (in seconden)",
)
_TIME_COLUMN = re.compile(
    r"date|time|datum|tijd|stamp|^start|^end|^submit|^recorded|^lastpage|^seed|"
    r"collector",
    re.IGNORECASE,
)


def _choice(value, allowed, parameter):
    if value not in allowed:
        raise DataError(
            f"{parameter}: expected one of {', '.join(map(repr, allowed))}, "
            f"found {value!r}"
        )


@dataclass(frozen=True)
class CarelessPolicy:
    """What to do with each careless-responding index, and its threshold.

    Each of ``longstring``, ``irv``, ``mahalanobis``, ``even_odd`` and
    ``synonyms`` is ``"flag"`` (default: keep and log), ``"exclude"`` or
    ``"off"`` (not computed).

    Attributes
    ----------
    longstring_max : int, optional
        Flag a longest run longer than this. Default: half the items, rounded
        down (a run over more than half the questionnaire).
    irv_max : float, default=0.0
        Flag an IRV at or below this: by default only respondents who gave the
        same answer to every item.
    mahalanobis_alpha : float, default=0.001
        Flag a :math:`D^2` whose chi-square upper tail probability (df = items
        answered) is below this.
    even_odd_min : float, default=0.0
        Flag an even-odd correlation below this (halves that disagree).
    synonyms_r : float, default=0.60
        Item pairs correlating above this in the sample are the synonyms.
    synonyms_min : float, default=0.0
        Flag a synonyms correlation below this.
    """

    longstring: str = "flag"
    irv: str = "flag"
    mahalanobis: str = "flag"
    even_odd: str = "flag"
    synonyms: str = "flag"
    longstring_max: int | None = None
    irv_max: float = 0.0
    mahalanobis_alpha: float = 0.001
    even_odd_min: float = 0.0
    synonyms_r: float = 0.60
    synonyms_min: float = 0.0

    def __post_init__(self):
        for name in CARELESS_INDICES:
            _choice(getattr(self, name), _ACTIONS, f"careless.{name}")
        if not 0 < self.mahalanobis_alpha < 1:
            raise DataError(
                "careless.mahalanobis_alpha: expected a probability between 0 and "
                f"1, found {self.mahalanobis_alpha!r}"
            )
        if self.longstring_max is not None and self.longstring_max < 1:
            raise DataError(
                "careless.longstring_max: expected a whole number >= 1, found "
                f"{self.longstring_max!r}"
            )

    @classmethod
    def all(cls, action: str, **thresholds) -> CarelessPolicy:
        """The same action for every index, e.g. ``CarelessPolicy.all("off")``."""
        return cls(**{name: action for name in CARELESS_INDICES}, **thresholds)


@dataclass(frozen=True)
class CleaningPolicy:
    """How :func:`clean` treats each problem. Defaults are the ones documented.

    Attributes
    ----------
    missing : {"listwise", "pairwise"}, default="listwise"
        Leave out respondents with any item unanswered, or keep them.
    out_of_range : {"error", "exclude", "missing"}, default="error"
        Answers outside the scale (or not whole numbers).
    missing_codes : tuple of int, default=()
        Codes meaning "no answer", on top of the spec's ``scale.missing_codes``.
    missing_labels : tuple of str, default=()
        Text answers meaning "no answer" (e.g. ``"weet niet"``).
    min_answered : float, optional
        Fewest items to answer: a count (>= 1) or a share of the items (< 1).
        Default: one.
    duplicate_ids : {"exclude", "error"}, default="exclude"
        A repeated respondent id: leave out the later rows, or refuse the data.
    duplicates : {"exclude", "flag", "off"}, default="exclude"
        Exact duplicate submissions (later copies).
    speeders : {"flag", "exclude", "off"}, default="flag"
        Durations below ``speed_fraction`` times the median.
    speed_fraction : float, default=0.5
    duration_column : str, optional
        Column with the duration in seconds. Default: a column named like
        ``Duration (in seconds)`` (Qualtrics), ``interviewtime`` (LimeSurvey) or
        ``duration``; without one the step is skipped.
    attention : {"exclude", "flag", "off"}, default="exclude"
        Failed attention checks (declared in the spec).
    careless : CarelessPolicy, mapping or str
        Per index ``flag`` / ``exclude`` / ``off``, with thresholds; a mapping
        is passed to :class:`CarelessPolicy`, a string applies to every index.
    personal_fields : tuple of str, default=()
        Further columns to treat as personal, on top of the spec's and those
        found by name or content.

    Examples
    --------
    >>> CleaningPolicy(missing="pairwise", careless={"mahalanobis": "off"}).careless
    ... # doctest: +ELLIPSIS
    CarelessPolicy(longstring='flag', irv='flag', mahalanobis='off', ...)
    """

    missing: str = "listwise"
    out_of_range: str = "error"
    missing_codes: tuple[int, ...] = ()
    missing_labels: tuple[str, ...] = ()
    min_answered: float | None = None
    duplicate_ids: str = "exclude"
    duplicates: str = "exclude"
    speeders: str = "flag"
    speed_fraction: float = 0.5
    duration_column: str | None = None
    attention: str = "exclude"
    careless: CarelessPolicy = field(default_factory=CarelessPolicy)
    personal_fields: tuple[str, ...] = ()

    def __post_init__(self):
        _choice(self.missing, ("listwise", "pairwise"), "missing")
        _choice(self.out_of_range, ("error", "exclude", "missing"), "out_of_range")
        _choice(self.duplicate_ids, ("exclude", "error"), "duplicate_ids")
        _choice(self.duplicates, _ACTIONS, "duplicates")
        _choice(self.speeders, _ACTIONS, "speeders")
        _choice(self.attention, _ACTIONS, "attention")
        if not 0 < self.speed_fraction < 1:
            raise DataError(
                f"speed_fraction: expected a share between 0 and 1, found "
                f"{self.speed_fraction!r}"
            )
        if self.min_answered is not None and not self.min_answered > 0:
            raise DataError(
                f"min_answered: expected a count >= 1 or a share in (0, 1), found "
                f"{self.min_answered!r}"
            )
        careless = self.careless
        if isinstance(careless, str):
            careless = CarelessPolicy.all(careless)
        elif isinstance(careless, Mapping):
            careless = CarelessPolicy(**careless)
        elif not isinstance(careless, CarelessPolicy):
            raise DataError(
                f"careless: expected a CarelessPolicy, mapping or action, found "
                f"{type(careless).__name__}"
            )
        object.__setattr__(self, "careless", careless)
        object.__setattr__(
            self, "missing_codes", tuple(int(c) for c in self.missing_codes)
        )
        object.__setattr__(self, "missing_labels", tuple(self.missing_labels))
        object.__setattr__(self, "personal_fields", tuple(self.personal_fields))

    def to_dict(self) -> dict:
        """A JSON-ready view, for the manifest."""
        out = dataclasses.asdict(self)
        out["missing_codes"] = list(self.missing_codes)
        out["missing_labels"] = list(self.missing_labels)
        out["personal_fields"] = list(self.personal_fields)
        return out


@dataclass
class CleanResult:
    """Clean responses, the log of every respondent flagged or left out, counts.

    Attributes
    ----------
    responses : pandas.DataFrame
        The respondents kept, in row order; index ``respondent_id`` (the export's
        id column, else the 1-based data-row number); the item columns as float
        (NaN = no answer), attention checks, then the other columns without
        personal data.
    log : pandas.DataFrame
        One line per respondent and reason: ``respondent_id``, ``row``,
        ``action`` (``excluded`` or ``flagged``), ``step``, ``reason``.
    indices : pandas.DataFrame
        The careless-responding indices of every respondent read, in row order.
    n_read, n_kept, n_excluded, n_flagged : int
        ``n_read == n_kept + n_excluded`` always holds (checked).
    steps : dict
        Per step: respondents ``excluded`` and ``flagged``, and for value steps
        the ``answers`` changed; a ``note`` where a step was skipped.
    manifest : dict
        Input file and SHA-256, instrument, policy, counts, package version.
    """

    responses: pd.DataFrame
    log: pd.DataFrame
    indices: pd.DataFrame
    n_read: int
    n_kept: int
    n_excluded: int
    n_flagged: int
    steps: dict
    manifest: dict
    policy: CleaningPolicy

    def write(self, folder: str | Path, parameter: str = "out") -> Path:
        """Write the clean responses, the log and the manifest into ``folder``.

        Files: ``responses.parquet``, ``responses.csv``, ``cleaning_log.csv``,
        ``careless_indices.csv`` and ``manifest.json`` (which records the
        SHA-256 of the others). Nothing time-dependent is written, so the same
        input and policy give the same bytes. All files appear together or not
        at all (:func:`commercie_analysis.outputs.output_folder`).

        Returns
        -------
        Path
            The folder.
        """
        folder = Path(folder)
        with output_folder(folder, parameter) as stage:
            # The id is an ordinary column, as in the CSV, so that every reader
            # (``commercie score``, pandas, R's arrow) finds it by name.
            self.responses.reset_index().to_parquet(
                stage / "responses.parquet", engine="pyarrow", index=False
            )
            self.responses.to_csv(stage / "responses.csv", lineterminator="\n")
            self.log.to_csv(
                stage / "cleaning_log.csv", index=False, lineterminator="\n"
            )
            self.indices.to_csv(stage / "careless_indices.csv", lineterminator="\n")
            files = {
                path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(stage.iterdir())
                if not path.name.startswith(".")
            }
            manifest = dict(self.manifest, files=files)
            (stage / "manifest.json").write_text(
                json.dumps(manifest, indent=2, sort_keys=True, default=_json) + "\n",
                encoding="utf-8",
            )
        return folder


def _json(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class _Log:
    """Collects the log lines and the per-step counts."""

    def __init__(self, rows: pd.Index, ids: pd.Series):
        self.rows = rows
        self.ids = ids
        self.lines: list[tuple] = []
        self.excluded = np.zeros(len(rows), dtype=bool)
        self.steps: dict[str, dict] = {
            step: {"excluded": 0, "flagged": 0} for step in STEPS
        }

    def add(self, step: str, action: str, mask, reason):
        """Log ``action`` ("flag"/"exclude") for the rows where ``mask`` holds.

        ``reason`` is one text for all, or a function of the 0-based position
        giving the text, called only for the rows logged.
        """
        mask = np.asarray(mask, dtype=bool)
        word = "excluded" if action == "exclude" else "flagged"
        order = STEPS.index(step)
        for position in np.flatnonzero(mask):
            text = reason if isinstance(reason, str) else reason(int(position))
            self.lines.append((int(position), order, word, step, text))
        self.steps[step][word] += int(mask.sum())
        if action == "exclude":
            self.excluded |= mask

    def note(self, step: str, **values):
        self.steps[step].update(values)

    def frame(self) -> pd.DataFrame:
        lines = sorted(self.lines, key=lambda line: (line[0], line[1]))
        ids, rows = self.ids.to_numpy(), self.rows.to_numpy()
        log = pd.DataFrame(
            [
                (ids[position], rows[position], action, step, reason)
                for position, _, action, step, reason in lines
            ],
            columns=["respondent_id", "row", "action", "step", "reason"],
        )
        log["respondent_id"] = log["respondent_id"].astype("string")
        log["row"] = log["row"].astype("int64")
        return log


def _int_text(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _range_step(
    items: pd.DataFrame, instrument, policy, log, source: str = "", lines=None
) -> pd.DataFrame:
    scale = instrument.scale
    values = items.to_numpy(float)
    answered = ~np.isnan(values)
    valid = (values >= scale.min) & (values <= scale.max) & (np.mod(values, 1) == 0)
    flags = answered & ~valid
    total = int(flags.sum())
    log.note("out_of_range", answers=total)
    if total == 0:
        return items

    names = np.array(items.columns)
    rows = items.index.to_numpy()
    if policy.out_of_range == "error":
        parts = []
        for j in np.flatnonzero(flags.any(axis=0)):
            where = np.flatnonzero(flags[:, j])
            shown = ", ".join(
                f"{_int_text(values[i, j])} in {row_place(rows[i], lines)}"
                for i in where[:3]
            )
            more = ", ..." if len(where) > 3 else ""
            parts.append(f"{names[j]}: {len(where)} ({shown}{more})")
        prefix = f"{source}: " if source else ""
        raise DataError(
            f"{prefix}{total} answer(s) outside the scale {scale.min}..{scale.max} "
            f"(or not whole numbers), per item: {'; '.join(parts)}. Set the policy "
            "out_of_range (--out-of-range): exclude to leave those respondents "
            "out, or missing to treat those answers as unanswered"
        )

    verb = "set missing" if policy.out_of_range == "missing" else "found"

    def reason(i):
        found = ", ".join(
            f"{item}={_int_text(value)}"
            for item, value in zip(names[flags[i]], values[i, flags[i]], strict=True)
        )
        return f"answers outside the scale {scale.min}..{scale.max} {verb}: {found}"

    if policy.out_of_range == "missing":
        log.add("out_of_range", "flag", flags.any(axis=1), reason)
        return items.mask(flags)
    log.add("out_of_range", "exclude", flags.any(axis=1), reason)
    return items


def _check_policy_columns(raw: RawResponses, policy: CleaningPolicy) -> None:
    """Refuse missing codes on the scale, and personal fields that are no column."""
    scale = raw.instrument.scale
    clash = [c for c in policy.missing_codes if scale.min <= c <= scale.max]
    if clash:
        raise DataError(
            f"missing_codes (--missing-code): code(s) {clash} lie inside the answer "
            f"scale {scale.min}..{scale.max}; a code meaning 'no answer' must lie "
            "outside it"
        )
    answers = set(raw.item_ids) | set(raw.attention_ids)
    for name in policy.personal_fields:
        if name in answers:
            raise DataError(
                f"personal_fields (--personal-field): {name!r} is an item or "
                "attention-check column of the instrument, not personal data"
            )
        if name not in raw.frame.columns:
            others = ", ".join(raw.other_columns[:40]) or "none"
            raise DataError(
                f"personal_fields (--personal-field): no column {name!r} in "
                f"{raw.source}; its columns besides the items are {others}"
            )


def _duration_column(frame: pd.DataFrame, policy) -> str | None:
    if policy.duration_column is not None:
        if policy.duration_column not in frame.columns:
            raise DataError(
                f"duration_column {policy.duration_column!r}: no such column in "
                "the export"
            )
        return policy.duration_column
    names = {str(c).strip().casefold(): c for c in frame.columns}
    for name in _DURATION_NAMES:
        if name in names:
            return names[name]
    return None


def _careless_steps(items, instrument, policy, log) -> pd.DataFrame:
    """Compute the careless indices for every respondent and log the flags."""
    cp = policy.careless
    out = pd.DataFrame(index=items.index)
    n_items = items.shape[1]

    if cp.longstring != "off":
        runs = careless_indices.longstring(items)
        out = out.join(runs)
        limit = cp.longstring_max if cp.longstring_max is not None else n_items // 2
        longest = runs["longstring"].to_numpy()
        log.add(
            "longstring",
            cp.longstring,
            longest > limit,
            lambda i: f"longest run of identical answers {longest[i]:.0f} > {limit}",
        )
        log.note("longstring", threshold=limit)

    if cp.irv != "off":
        variability = careless_indices.irv(items)
        out = out.join(variability)
        sd = variability.to_numpy()
        log.add(
            "irv",
            cp.irv,
            sd <= cp.irv_max,
            lambda i: f"IRV {sd[i]:.3f} <= {cp.irv_max:g}",
        )
        log.note("irv", threshold=cp.irv_max)

    if cp.mahalanobis != "off":
        try:
            distance = careless_indices.mahalanobis(items)
        except DataError as exc:
            log.note("mahalanobis", note=f"skipped: {exc}")
        else:
            out = out.join(distance)
            table = distance.to_numpy()

            def reason(i):
                d2, df, p = table[i]
                return (
                    f"Mahalanobis D2 {d2:.2f}, chi-square df {df:.0f}, p {p:.2g} < "
                    f"{cp.mahalanobis_alpha:g}"
                )

            log.add(
                "mahalanobis",
                cp.mahalanobis,
                table[:, 2] < cp.mahalanobis_alpha,
                reason,
            )
            log.note("mahalanobis", threshold=cp.mahalanobis_alpha)

    if cp.even_odd != "off":
        keyed = items.copy()
        for item in instrument.reverse_keyed:
            if item in keyed.columns:
                keyed[item] = instrument.scale.reverse(keyed[item])
        scales = {
            c: [i for i in instrument.items_of(c) if i in items.columns]
            for c in instrument.construct_ids
        }
        consistency = careless_indices.even_odd(keyed, scales)
        out = out.join(consistency)
        r = consistency["even_odd"].to_numpy()
        log.add(
            "even_odd",
            cp.even_odd,
            r < cp.even_odd_min,
            lambda i: f"even-odd consistency {r[i]:.3f} < {cp.even_odd_min:g}",
        )
        usable = sum(len(v) >= 2 for v in scales.values())
        log.note("even_odd", threshold=cp.even_odd_min, scales=usable)
        if usable < 3:
            log.note("even_odd", note="skipped: fewer than 3 scales with 2+ items")

    if cp.synonyms != "off":
        pairs = careless_indices.synonym_pairs(items, cp.synonyms_r)
        synonyms = careless_indices.psychometric_synonyms(items, pairs=pairs)
        out = out.join(synonyms)
        value = synonyms.to_numpy()
        log.add(
            "synonyms",
            cp.synonyms,
            value < cp.synonyms_min,
            lambda i: f"psychometric synonyms {value[i]:.3f} < {cp.synonyms_min:g}",
        )
        log.note(
            "synonyms",
            threshold=cp.synonyms_min,
            pairs=[[a, b, round(r, 6)] for a, b, r in pairs],
        )
        if len(pairs) < 3:
            log.note(
                "synonyms",
                note=f"skipped: {len(pairs)} item pair(s) correlate above "
                f"{cp.synonyms_r:g}; 3 are needed",
            )
    return out


def _source_name(source) -> tuple[str, str | None]:
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>", None
    path = Path(source).resolve()
    try:
        return Path(source).name, str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return Path(source).name, None


def clean(
    source_or_frame,
    instrument: Instrument | str | Path,
    *,
    policy: CleaningPolicy | None = None,
    format: str = "auto",
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | str | Path | None = None,
    id_column: str | None = None,
    pseudonymise: bool = False,
    salt: str | None = None,
) -> CleanResult:
    """Read an export and clean it for an instrument, logging every decision.

    Parameters
    ----------
    source_or_frame : str, Path, pandas.DataFrame or RawResponses
        The export file, a DataFrame of its cells, or the result of
        :func:`~commercie_analysis.io.read_responses`.
    instrument : Instrument, str or Path
        The instrument, its packaged name or its spec path.
    policy : CleaningPolicy, optional
        How to treat each problem; default :class:`CleaningPolicy()`.
    format, sheet, mapping, id_column
        Passed to :func:`~commercie_analysis.io.read_responses`.
    pseudonymise : bool, default=False
        Replace personal columns by a keyed hash instead of removing them.
    salt : str, optional
        The secret key of the hash; needed with ``pseudonymise``.

    Returns
    -------
    CleanResult

    Raises
    ------
    DataError
        For input that cannot be read or mapped (see ``read_responses``), answers
        outside the scale under ``out_of_range="error"``, repeated ids under
        ``duplicate_ids="error"``, or a respondent id column that holds personal
        data without ``pseudonymise``.

    Examples
    --------
    >>> cells = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"],
    ...                       "A1": [1, 6, None], "A2": [2, 2, 3]})
    >>> from commercie_analysis.instruments import Instrument
    >>> spec = {"id": "t", "name": "T", "version": "1", "languages": ["en"],
    ...         "scale": {"min": 1, "max": 6}, "constructs": [{"id": "a"}],
    ...         "items": [{"id": "A1", "text": "x", "construct": "a"},
    ...                   {"id": "A2", "text": "y", "construct": "a"}]}
    >>> result = clean(cells, Instrument.from_dict(spec))
    >>> result.n_read, result.n_kept, result.n_excluded
    (3, 2, 1)
    >>> result.log.loc[0, ["respondent_id", "step"]].tolist()
    ['r3', 'missing']
    >>> result.log.loc[0, "reason"]
    'missing answers: A1 (1 of 2 items)'
    """
    policy = policy or CleaningPolicy()
    instrument = load_instrument(instrument)
    if pseudonymise:
        privacy.check_salt(salt)
    if isinstance(source_or_frame, RawResponses):
        raw = source_or_frame
        instrument = raw.instrument
    else:
        raw = read_responses(
            source_or_frame,
            instrument,
            format=format,
            sheet=sheet,
            mapping=mapping,
            id_column=id_column,
            missing_labels=policy.missing_labels,
        )
    frame = raw.frame
    item_ids = raw.item_ids
    check_ids = raw.attention_ids
    rows = frame.index
    n_read = len(frame)
    if raw.id_column is not None:
        ids = frame[raw.id_column].astype(str)
    else:
        ids = pd.Series(rows.astype(str), index=rows)
    log = _Log(rows, ids)

    _check_policy_columns(raw, policy)

    # missing_codes: codes meaning "no answer" become missing.
    codes = sorted(set(instrument.scale.missing_codes) | set(policy.missing_codes))
    answers = frame[item_ids + check_ids]
    is_code = answers.isin([float(c) for c in codes])
    log.note("missing_codes", codes=codes, answers=int(is_code.to_numpy().sum()))
    answers = answers.mask(is_code)
    items = answers[item_ids]

    # out_of_range
    items = _range_step(items, instrument, policy, log, raw.source, raw.lines)

    # An item nobody answered cannot be analysed, whatever the policy.
    empty = [item for item in item_ids if not items[item].notna().any()]
    if empty:
        raise DataError(
            f"{raw.source}: item(s) {', '.join(empty)} have no answer from any of "
            f"the {n_read} respondents; the item cannot be analysed (check the "
            "mapping of its column, or the missing codes and labels)"
        )

    # duplicate_ids: later rows with an id seen before.
    id_values = ids.to_numpy()
    if raw.id_column is not None:
        repeated = ids.duplicated(keep="first").to_numpy()
        if repeated.any() and policy.duplicate_ids == "error":
            shown = ", ".join(
                f"{id_values[i]!r} ({row_place(rows[i], raw.lines)})"
                for i in np.flatnonzero(repeated)[:5]
            )
            raise DataError(
                f"id column {raw.id_column!r}: {int(repeated.sum())} repeated "
                f"respondent id(s): {shown}"
            )
        first_row = {}
        for value, row in zip(id_values, rows, strict=True):
            first_row.setdefault(value, row)
        log.add(
            "duplicate_ids",
            "exclude",
            repeated,
            lambda i: (
                f"respondent id {id_values[i]!r} also in data row "
                f"{first_row[id_values[i]]}"
            ),
        )
    else:
        log.note("duplicate_ids", note="skipped: no respondent id column")

    # duplicates: exact duplicate submissions.
    duration = _duration_column(frame, policy)
    if policy.duplicates != "off":
        ignore = {raw.id_column, duration}
        compare = [
            c
            for c in frame.columns
            if c not in ignore and c not in item_ids and not _TIME_COLUMN.search(c)
        ]
        content = pd.concat([items, frame[compare]], axis=1)
        content.columns = range(content.shape[1])
        group = content.groupby(list(content.columns), dropna=False, sort=False)
        number = group.ngroup().to_numpy()
        first_of_group = pd.Series(rows).groupby(number).transform("first").to_numpy()
        repeated = content.duplicated(keep="first").to_numpy()
        log.add(
            "duplicates",
            policy.duplicates,
            repeated,
            lambda i: f"same answers and details as data row {first_of_group[i]}",
        )
        log.note("duplicates", compared_columns=len(compare) + len(item_ids))

    # min_answered
    answered = items.notna().sum(axis=1).to_numpy()
    needed = policy.min_answered or 1
    if needed < 1:
        needed = int(np.ceil(needed * len(item_ids)))
    needed = int(needed)
    if needed > len(item_ids):
        raise DataError(
            f"min_answered (--min-answered): {policy.min_answered:g} items required "
            f"but the instrument has {len(item_ids)}; give at most {len(item_ids)} "
            "or a share below 1"
        )
    log.add(
        "min_answered",
        "exclude",
        answered < needed,
        lambda i: (
            f"{answered[i]} of {len(item_ids)} items answered, fewer than {needed}"
        ),
    )
    log.note("min_answered", threshold=needed)

    # missing
    if policy.missing == "listwise":
        lacking = items.isna().to_numpy()
        names = np.array(item_ids)
        log.add(
            "missing",
            "exclude",
            lacking.any(axis=1),
            lambda i: (
                f"missing answers: {', '.join(names[lacking[i]])} "
                f"({int(lacking[i].sum())} of {len(item_ids)} items)"
            ),
        )

    # speeders
    if policy.speeders != "off":
        if duration is None:
            log.note("speeders", note="skipped: no duration column")
        else:
            seconds = pd.to_numeric(frame[duration], errors="coerce").astype(float)
            given = frame[duration].notna() & (
                frame[duration].astype("string").str.strip() != ""
            )
            unreadable = (given & seconds.isna()).to_numpy()
            if unreadable.any():
                shown = ", ".join(
                    f"{frame[duration].iloc[i]!r} ({row_place(rows[i], raw.lines)})"
                    for i in np.flatnonzero(unreadable)[:3]
                )
                raise DataError(
                    f"duration column {duration!r}: {int(unreadable.sum())} value(s) "
                    f"are not seconds: {shown}; give --duration-column or "
                    "--speeders off"
                )
            median = float(seconds.median())
            limit = policy.speed_fraction * median
            secs = seconds.to_numpy()
            log.add(
                "speeders",
                policy.speeders,
                secs < limit,
                lambda i: (
                    f"duration {secs[i]:g} s < {policy.speed_fraction:g} x "
                    f"median {median:g} s"
                ),
            )
            log.note("speeders", column=duration, median=median, threshold=limit)

    # attention
    if policy.attention != "off" and not instrument.attention_checks:
        log.note("attention", note="skipped: the spec declares no attention checks")
    if policy.attention != "off" and instrument.attention_checks:
        failures: dict[int, list[str]] = {}
        for check in instrument.attention_checks:
            given = answers[check.id].to_numpy()
            wrong = ~np.isin(given, [float(e) for e in check.expected])
            expected = " or ".join(map(str, check.expected))
            for i in np.flatnonzero(wrong):
                shown = "no answer" if np.isnan(given[i]) else _int_text(given[i])
                failures.setdefault(int(i), []).append(
                    f"attention check {check.id}: {shown}, expected {expected}"
                )
        failed = np.zeros(n_read, dtype=bool)
        failed[list(failures)] = True
        log.add("attention", policy.attention, failed, lambda i: "; ".join(failures[i]))

    # careless responding
    indices = _careless_steps(items, instrument, policy, log)

    # the respondents kept, without personal data
    kept = ~log.excluded
    n_kept, n_excluded = int(kept.sum()), int(log.excluded.sum())
    if n_kept == 0:
        counts = ", ".join(
            f"{step} {c['excluded']}" for step, c in log.steps.items() if c["excluded"]
        )
        raise DataError(
            f"{raw.source}: no respondent is left: all {n_read} were left out. Left "
            f"out per step (a respondent can count under several): {counts}; relax "
            "those policies (e.g. --missing pairwise) or check the data"
        )
    if n_read != n_kept + n_excluded:
        raise DataError(
            f"internal check failed: {n_read} rows read but {n_kept} kept + "
            f"{n_excluded} left out"
        )
    others = [c for c in raw.other_columns if c != raw.id_column]
    personal = privacy.find_personal_columns(
        frame[others],
        personal_fields=(*instrument.personal_fields, *policy.personal_fields),
    )
    id_personal = None
    if raw.id_column is not None:
        id_personal = privacy.find_personal_columns(
            frame[[raw.id_column]], personal_fields=policy.personal_fields
        ).get(raw.id_column)
    if id_personal and not pseudonymise:
        raise DataError(
            f"id column {raw.id_column!r} holds personal data ({id_personal}); "
            "pseudonymise it (--pseudonymise with a salt) or choose another "
            "--id-column"
        )

    responses = pd.concat([items, answers[check_ids], frame[others]], axis=1)
    if pseudonymise:
        for column in personal:
            responses[column] = privacy.pseudonymise(responses[column], salt)
        if id_personal:
            ids = privacy.pseudonymise(ids, salt)
            log.ids = ids
    else:
        responses = responses.drop(columns=list(personal))
    index = pd.Index(ids.to_numpy(), name="respondent_id")
    if raw.id_column is None:
        index = pd.Index(rows.to_numpy(), name="respondent_id")
    responses.index = index
    responses = responses[kept]
    indices.index = index
    indices.insert(0, "row", rows.to_numpy())

    steps = {
        step: counts
        for step, counts in log.steps.items()
        if _step_active(step, policy) or counts.get("excluded") or counts.get("flagged")
    }
    if isinstance(source_or_frame, str | Path):
        name, relative = _source_name(source_or_frame)
    else:
        name, relative = raw.source, None
    from . import __version__

    manifest = {
        "package": {"name": "commercie_analysis", "version": __version__},
        "input": {
            "file": name,
            "path": relative,
            "sha256": raw.sha256,
            "format": raw.format,
            **{k: v for k, v in sorted(raw.details.items())},
        },
        "instrument": {"id": instrument.id, "version": instrument.version},
        "policy": policy.to_dict(),
        "counts": {
            "read": n_read,
            "kept": n_kept,
            "excluded": n_excluded,
            "flagged_respondents": int(
                pd.Series(log.frame().query("action == 'flagged'")["row"]).nunique()
            ),
        },
        "steps": steps,
        "mapping": raw.mapping.to_dict(),
        "respondent_id": raw.id_column or "row number",
        "privacy": {
            "personal_columns": personal,
            "treatment": "pseudonymised (HMAC-SHA-256, secret salt, 16 hex)"
            if pseudonymise
            else "removed",
            "respondent_id_pseudonymised": bool(id_personal and pseudonymise),
        },
    }
    result_log = log.frame()
    return CleanResult(
        responses=responses,
        log=result_log,
        indices=indices,
        n_read=n_read,
        n_kept=n_kept,
        n_excluded=n_excluded,
        n_flagged=manifest["counts"]["flagged_respondents"],
        steps=steps,
        manifest=manifest,
        policy=policy,
    )


def _step_active(step: str, policy: CleaningPolicy) -> bool:
    if step in CARELESS_INDICES:
        return getattr(policy.careless, step) != "off"
    value = {
        "duplicates": policy.duplicates,
        "speeders": policy.speeders,
        "attention": policy.attention,
    }.get(step, "on")
    if step == "missing":
        return True
    return value != "off"
