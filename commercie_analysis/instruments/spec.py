"""The instrument spec: a questionnaire, its answer scale and its hypothesised key.

An instrument is described in YAML and loaded into frozen dataclasses. Loading checks
everything a later step relies on, and every error names the file and the field, so a
researcher editing a spec by hand is told exactly what to fix.

A minimal spec::

    id: demo
    name: {en: A demo questionnaire}
    version: "1.0"
    languages: [en]
    scale:
      min: 1
      max: 5
      labels: {en: {1: disagree, 5: agree}}
      missing_codes: [9]
    constructs:
      - id: warmth
        labels: {en: Warmth}
    items:
      - id: w1
        text: {en: I like people.}
        construct: warmth
      - id: w2
        text: {en: I keep to myself.}
        construct: warmth
        reverse: true

Optional sections: ``construct_kind`` (``trait``, ``type`` or ``phase``: whether the
constructs are graded traits, types of which one dominates, or ordered phases),
``order`` on constructs (for phases), ``description`` and ``source`` as free text, and
``profiles``, a set of named profiles built from the constructs and one further
construct whose two poles split them (see :class:`ProfileSet`).

Two optional sections serve data cleaning: ``attention_checks``, questions with a
known right answer that are not items of the key (``id``, ``text`` per language,
``expected``: the accepted code or list of codes), and ``personal_fields``, names of
export columns (such as free-text answers) that hold personal data and must never
reach the output::

    attention_checks:
      - id: check1
        text: {en: Please choose "agree" here.}
        expected: 5
    personal_fields: [comments]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import InstrumentError

__all__ = [
    "AnswerScale",
    "Construct",
    "Item",
    "Profile",
    "ProfileSet",
    "AttentionCheck",
    "Instrument",
    "CONSTRUCT_KINDS",
]

CONSTRUCT_KINDS = ("trait", "type", "phase")

# An instrument id names files and folders, so it must be a plain name.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class AnswerScale:
    """The answer scale shared by the items of an instrument.

    Attributes
    ----------
    min, max : int
        Lowest and highest valid answer code.
    labels : dict of str to dict of int to str
        Per language, the label of each answer code (some codes may lack one).
    missing_codes : tuple of int
        Codes that mean "no answer" (for example 9 for "don't know").
    """

    min: int
    max: int
    labels: dict[str, dict[int, str]] = field(default_factory=dict)
    missing_codes: tuple[int, ...] = ()

    @property
    def n_categories(self) -> int:
        """Number of answer categories from ``min`` to ``max``."""
        return self.max - self.min + 1

    def reverse(self, value):
        """Score an answer the other way round: ``min + max - value``."""
        return self.min + self.max - value


@dataclass(frozen=True)
class Construct:
    """A construct the instrument claims to measure (a trait, type or phase)."""

    id: str
    labels: dict[str, str]
    order: int | None = None
    description: dict[str, str] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        """The label in ``language``, else the first one given, else the id."""
        if language and language in self.labels:
            return self.labels[language]
        return next(iter(self.labels.values()), self.id)


@dataclass(frozen=True)
class Item:
    """A questionnaire item with its place in the key."""

    id: str
    text: dict[str, str]
    construct: str
    reverse: bool = False


@dataclass(frozen=True)
class Profile:
    """A named profile: one construct combined with one pole of the split."""

    id: str
    construct: str
    pole: str
    labels: dict[str, str]


@dataclass(frozen=True)
class ProfileSet:
    """Profiles formed by crossing constructs with the two poles of a split.

    Attributes
    ----------
    split_construct : str
        The construct whose score decides the pole; it is scored like any other
        construct, and a high score means the ``high`` pole.
    poles : dict of str to dict of str to str
        ``{"low": {lang: label}, "high": {lang: label}}``.
    profiles : tuple of Profile
        One per combination of a profiled construct and a pole.
    """

    split_construct: str
    poles: dict[str, dict[str, str]]
    profiles: tuple[Profile, ...]


@dataclass(frozen=True)
class AttentionCheck:
    """A question with a known right answer, asked to catch inattentive answering.

    Attributes
    ----------
    id : str
        Its id, matched against the export's columns like an item id.
    text : dict of str to str
        Its text per language (used to find its column by question text).
    expected : tuple of int
        The answer code(s) that pass the check.
    """

    id: str
    text: dict[str, str]
    expected: tuple[int, ...]


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: answer scale, constructs, items and the key that joins them.

    Use :meth:`load` to read one from a packaged name or a YAML path.

    Examples
    --------
    >>> from commercie_analysis.instruments import load_instrument
    >>> bfi = load_instrument("bfi")
    >>> bfi.n_items, bfi.scale.min, bfi.scale.max
    (25, 1, 6)
    >>> bfi.items_of("neuroticism")
    ['N1', 'N2', 'N3', 'N4', 'N5']
    """

    id: str
    name: dict[str, str]
    version: str
    languages: tuple[str, ...]
    scale: AnswerScale
    constructs: tuple[Construct, ...]
    items: tuple[Item, ...]
    construct_kind: str = "trait"
    profiles: ProfileSet | None = None
    description: dict[str, str] = field(default_factory=dict)
    source: str = ""
    path: Path | None = None
    attention_checks: tuple[AttentionCheck, ...] = ()
    personal_fields: tuple[str, ...] = ()

    # -- convenient views ------------------------------------------------------

    @property
    def item_ids(self) -> list[str]:
        """Item ids in the order of the spec."""
        return [item.id for item in self.items]

    @property
    def construct_ids(self) -> list[str]:
        """Construct ids in the order of the spec."""
        return [construct.id for construct in self.constructs]

    @property
    def n_items(self) -> int:
        """Number of items."""
        return len(self.items)

    @property
    def reverse_keyed(self) -> list[str]:
        """Ids of the reverse-keyed items."""
        return [item.id for item in self.items if item.reverse]

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"instrument {self.id!r} has no item {item_id!r}")

    def construct(self, construct_id: str) -> Construct:
        """The construct with id ``construct_id``."""
        for construct in self.constructs:
            if construct.id == construct_id:
                return construct
        raise KeyError(f"instrument {self.id!r} has no construct {construct_id!r}")

    def items_of(self, construct_id: str) -> list[str]:
        """Ids of the items keyed on ``construct_id``."""
        self.construct(construct_id)
        return [item.id for item in self.items if item.construct == construct_id]

    def key_matrix(self):
        """The key as an items x constructs DataFrame of +1, -1 and 0.

        Returns
        -------
        pandas.DataFrame
            ``+1`` where an item is keyed on a construct, ``-1`` where it is keyed in
            reverse, ``0`` elsewhere.
        """
        import pandas as pd

        key = pd.DataFrame(
            0.0, index=self.item_ids, columns=self.construct_ids, dtype=float
        )
        for item in self.items:
            key.loc[item.id, item.construct] = -1.0 if item.reverse else 1.0
        return key

    def name_in(self, language: str | None = None) -> str:
        """The instrument's name in ``language``, else the first one given."""
        if language and language in self.name:
            return self.name[language]
        return next(iter(self.name.values()), self.id)

    @classmethod
    def load(cls, name_or_path: str | Path) -> Instrument:
        """Load a packaged instrument by name, or any spec by path.

        See :func:`commercie_analysis.instruments.load_instrument`.
        """
        from . import load_instrument

        return load_instrument(name_or_path)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], source: str = "<dict>") -> Instrument:
        """Build and validate an instrument from a parsed YAML mapping.

        Parameters
        ----------
        spec : mapping
            The parsed spec.
        source : str, default="<dict>"
            Where the spec came from; every error message starts with it.

        Raises
        ------
        InstrumentError
            Naming ``source`` and the field at fault.
        """
        return _Parser(source).instrument(spec)


class _Parser:
    """Turns a parsed YAML mapping into an :class:`Instrument`, checking each field."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, problem: str):
        raise InstrumentError(f"{self.source}: {where}: {problem}")

    # -- small typed getters ----------------------------------------------------

    def mapping(self, value, where: str) -> Mapping:
        if not isinstance(value, Mapping):
            self.fail(where, f"expected a mapping, found {type(value).__name__}")
        return value

    def required(self, spec: Mapping, key: str, where: str):
        if key not in spec or spec[key] is None:
            self.fail(f"{where}.{key}" if where else key, "is required but missing")
        return spec[key]

    def text(self, value, where: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(where, f"expected text, found {type(value).__name__}")
        text = str(value).strip()
        if not text:
            self.fail(where, "is empty")
        return text

    def integer(self, value, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected a whole number, found {value!r}")
        return value

    def translations(self, value, where: str, languages=None) -> dict[str, str]:
        if isinstance(value, str):
            if languages and len(languages) != 1:
                self.fail(where, "give the text per language, e.g. {en: ..., nl: ...}")
            return {(languages or ("en",))[0]: self.text(value, where)}
        value = self.mapping(value, where)
        out = {str(k): self.text(v, f"{where}.{k}") for k, v in value.items()}
        if not out:
            self.fail(where, "has no text in any language")
        if languages:
            unknown = sorted(set(out) - set(languages))
            if unknown:
                self.fail(
                    where,
                    f"language(s) {unknown} not among the instrument's languages "
                    f"{list(languages)}",
                )
            missing = sorted(set(languages) - set(out))
            if missing:
                self.fail(where, f"no text for language(s) {missing}")
        return out

    # -- sections ------------------------------------------------------------

    def instrument(self, spec) -> Instrument:
        spec = self.mapping(spec, "top level")
        known = {
            "id",
            "name",
            "version",
            "languages",
            "scale",
            "constructs",
            "items",
            "construct_kind",
            "profiles",
            "description",
            "source",
            "attention_checks",
            "personal_fields",
        }
        unknown = sorted(set(map(str, spec)) - known)
        if unknown:
            self.fail(
                "top level", f"unknown field(s) {unknown}; known: {sorted(known)}"
            )

        instrument_id = self.text(self.required(spec, "id", ""), "id")
        if not _SAFE_ID.fullmatch(instrument_id):
            self.fail(
                "id",
                f"{instrument_id!r} is not a plain name: use letters, digits, _ . - "
                "(it names files)",
            )
        version = self.text(self.required(spec, "version", ""), "version")
        languages = self.required(spec, "languages", "")
        if isinstance(languages, str):
            languages = [languages]
        if not isinstance(languages, list) or not languages:
            self.fail("languages", "expected a non-empty list such as [en, nl]")
        languages = tuple(self.text(lang, "languages") for lang in languages)
        if len(set(languages)) != len(languages):
            self.fail("languages", f"duplicated language in {list(languages)}")

        name = self.translations(self.required(spec, "name", ""), "name")
        kind = spec.get("construct_kind", "trait")
        if kind not in CONSTRUCT_KINDS:
            self.fail(
                "construct_kind",
                f"expected one of {list(CONSTRUCT_KINDS)}, found {kind!r}",
            )

        scale = self.scale(self.required(spec, "scale", ""), languages)
        constructs = self.constructs(self.required(spec, "constructs", ""), languages)
        if kind == "phase" and any(c.order is None for c in constructs):
            self.fail("constructs", "construct_kind 'phase' needs an 'order' on each")
        items = self.items(self.required(spec, "items", ""), languages, constructs)
        profiles = None
        if spec.get("profiles") is not None:
            profiles = self.profiles(spec["profiles"], languages, constructs)

        description = {}
        if spec.get("description") is not None:
            description = self.translations(spec["description"], "description")
        return Instrument(
            id=instrument_id,
            name=name,
            version=version,
            languages=languages,
            scale=scale,
            constructs=constructs,
            items=items,
            construct_kind=kind,
            profiles=profiles,
            description=description,
            source=str(spec.get("source", "") or "").strip(),
            attention_checks=self.attention_checks(
                spec.get("attention_checks") or [], languages, scale, items
            ),
            personal_fields=self.personal_fields(spec.get("personal_fields") or []),
        )

    def attention_checks(self, spec, languages, scale, items):
        if not isinstance(spec, list):
            self.fail("attention_checks", "expected a list")
        item_ids = {item.id for item in items}
        out, seen = [], set()
        for i, entry in enumerate(spec):
            where = f"attention_checks[{i}]"
            entry = self.mapping(entry, where)
            cid = self.text(self.required(entry, "id", where), f"{where}.id")
            if cid in seen or cid in item_ids:
                self.fail(f"{where}.id", f"id {cid!r} is already used")
            seen.add(cid)
            unknown = sorted(set(entry) - {"id", "text", "expected"})
            if unknown:
                self.fail(where, f"unknown field(s) {unknown}")
            text = self.translations(
                self.required(entry, "text", where), f"{where}.text", languages
            )
            expected = self.required(entry, "expected", where)
            expected = expected if isinstance(expected, list) else [expected]
            codes = tuple(self.integer(e, f"{where}.expected") for e in expected)
            outside = [c for c in codes if not scale.min <= c <= scale.max]
            if not codes or outside:
                self.fail(
                    f"{where}.expected",
                    f"expected code(s) within {scale.min}..{scale.max}, "
                    f"found {list(codes)}",
                )
            out.append(AttentionCheck(cid, text, codes))
        return tuple(out)

    def personal_fields(self, spec) -> tuple[str, ...]:
        if isinstance(spec, str):
            spec = [spec]
        if not isinstance(spec, list):
            self.fail("personal_fields", "expected a list of column names")
        return tuple(
            self.text(name, f"personal_fields[{i}]") for i, name in enumerate(spec)
        )

    def scale(self, spec, languages) -> AnswerScale:
        spec = self.mapping(spec, "scale")
        low = self.integer(self.required(spec, "min", "scale"), "scale.min")
        high = self.integer(self.required(spec, "max", "scale"), "scale.max")
        if low >= high:
            self.fail("scale", f"min ({low}) must be smaller than max ({high})")

        labels: dict[str, dict[int, str]] = {}
        for lang, table in self.mapping(
            spec.get("labels") or {}, "scale.labels"
        ).items():
            if lang not in languages:
                self.fail(
                    f"scale.labels.{lang}",
                    f"language not among the instrument's languages {list(languages)}",
                )
            table = self.mapping(table, f"scale.labels.{lang}")
            labels[lang] = {}
            for code, label in table.items():
                where = f"scale.labels.{lang}.{code}"
                code = self.integer(code, where)
                if not low <= code <= high:
                    self.fail(where, f"code outside the scale {low}..{high}")
                labels[lang][code] = self.text(label, where)

        missing = spec.get("missing_codes") or []
        if not isinstance(missing, list):
            self.fail("scale.missing_codes", "expected a list of whole numbers")
        missing = tuple(self.integer(m, "scale.missing_codes") for m in missing)
        clash = [m for m in missing if low <= m <= high]
        if clash:
            self.fail(
                "scale.missing_codes",
                f"code(s) {clash} lie inside the answer scale {low}..{high}",
            )
        return AnswerScale(low, high, labels, missing)

    def constructs(self, spec, languages) -> tuple[Construct, ...]:
        if not isinstance(spec, list) or not spec:
            self.fail("constructs", "expected a non-empty list")
        out, seen = [], set()
        for i, entry in enumerate(spec):
            where = f"constructs[{i}]"
            entry = self.mapping(entry, where)
            cid = self.text(self.required(entry, "id", where), f"{where}.id")
            if cid in seen:
                self.fail(f"{where}.id", f"duplicated construct id {cid!r}")
            seen.add(cid)
            labels = self.translations(
                entry.get("labels") or {lang: cid for lang in languages},
                f"{where}.labels",
            )
            order = entry.get("order")
            if order is not None:
                order = self.integer(order, f"{where}.order")
            description = {}
            if entry.get("description") is not None:
                description = self.translations(
                    entry["description"], f"{where}.description"
                )
            out.append(Construct(cid, labels, order, description))
        orders = [c.order for c in out if c.order is not None]
        if len(set(orders)) != len(orders):
            self.fail("constructs", f"duplicated order values {sorted(orders)}")
        return tuple(out)

    def items(self, spec, languages, constructs) -> tuple[Item, ...]:
        if not isinstance(spec, list) or not spec:
            self.fail("items", "expected a non-empty list")
        construct_ids = {c.id for c in constructs}
        out, seen = [], set()
        for i, entry in enumerate(spec):
            where = f"items[{i}]"
            entry = self.mapping(entry, where)
            iid = self.text(self.required(entry, "id", where), f"{where}.id")
            where = f"items[{i}] ({iid})"
            if iid in seen:
                self.fail(f"{where}.id", f"duplicated item id {iid!r}")
            seen.add(iid)
            unknown = sorted(set(entry) - {"id", "text", "construct", "reverse"})
            if unknown:
                self.fail(where, f"unknown field(s) {unknown}")
            text = self.translations(
                self.required(entry, "text", where), f"{where}.text", languages
            )
            construct = self.text(
                self.required(entry, "construct", where), f"{where}.construct"
            )
            if construct not in construct_ids:
                self.fail(
                    f"{where}.construct",
                    f"unknown construct {construct!r}; known: {sorted(construct_ids)}",
                )
            reverse = entry.get("reverse", False)
            if not isinstance(reverse, bool):
                self.fail(
                    f"{where}.reverse", f"expected true or false, found {reverse!r}"
                )
            out.append(Item(iid, text, construct, reverse))
        empty = [c.id for c in constructs if all(it.construct != c.id for it in out)]
        if empty:
            self.fail("constructs", f"construct(s) {empty} have no items")
        return tuple(out)

    def profiles(self, spec, languages, constructs) -> ProfileSet:
        spec = self.mapping(spec, "profiles")
        construct_ids = {c.id for c in constructs}
        split = self.text(
            self.required(spec, "split_construct", "profiles"),
            "profiles.split_construct",
        )
        if split not in construct_ids:
            self.fail(
                "profiles.split_construct",
                f"unknown construct {split!r}; known: {sorted(construct_ids)}",
            )
        poles_spec = self.mapping(
            self.required(spec, "poles", "profiles"), "profiles.poles"
        )
        if set(poles_spec) != {"low", "high"}:
            self.fail(
                "profiles.poles",
                f"expected keys low and high, found {list(poles_spec)}",
            )
        poles = {
            pole: self.translations(poles_spec[pole], f"profiles.poles.{pole}")
            for pole in ("low", "high")
        }
        entries = self.required(spec, "profiles", "profiles")
        if not isinstance(entries, list) or not entries:
            self.fail("profiles.profiles", "expected a non-empty list")
        out, seen, combos = [], set(), set()
        for i, entry in enumerate(entries):
            where = f"profiles.profiles[{i}]"
            entry = self.mapping(entry, where)
            pid = self.text(self.required(entry, "id", where), f"{where}.id")
            if pid in seen:
                self.fail(f"{where}.id", f"duplicated profile id {pid!r}")
            seen.add(pid)
            construct = self.text(
                self.required(entry, "construct", where), f"{where}.construct"
            )
            if construct not in construct_ids or construct == split:
                self.fail(
                    f"{where}.construct",
                    f"expected one of {sorted(construct_ids - {split})}, "
                    f"found {construct!r}",
                )
            pole = self.required(entry, "pole", where)
            if pole not in ("low", "high"):
                self.fail(f"{where}.pole", f"expected low or high, found {pole!r}")
            if (construct, pole) in combos:
                self.fail(where, f"a second profile for {construct!r} at pole {pole!r}")
            combos.add((construct, pole))
            labels = self.translations(
                self.required(entry, "labels", where), f"{where}.labels", languages
            )
            out.append(Profile(pid, construct, pole, labels))
        return ProfileSet(split, poles, tuple(out))


class _DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.safe_load``, except that a key given twice in a mapping is an error.

    Plain safe loading keeps the last value of a repeated key without a word, so a
    spec saying ``reverse: true`` and then ``reverse: false`` would silently lose one.
    """

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise _DuplicateKey(
                    f"line {key_node.start_mark.line + 1}: key {key!r} is given twice "
                    f"in one mapping (first on line {seen[key]})"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def parse_yaml(path: Path) -> Instrument:
    """Read and validate the YAML spec at ``path`` (safe loading only).

    The loader is PyYAML's ``SafeLoader`` (no Python objects are ever built) with
    one addition: a key repeated within a mapping is an error.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentError(f"{path}: instrument spec not found") from None
    except UnicodeDecodeError as exc:
        raise InstrumentError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        spec = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except _DuplicateKey as exc:
        raise InstrumentError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(f"{path}: {where}: not valid YAML ({problem})") from None
    instrument = _Parser(str(path)).instrument(spec)
    return _with_path(instrument, path)


def _with_path(instrument: Instrument, path: Path) -> Instrument:
    from dataclasses import replace

    return replace(instrument, path=path)
