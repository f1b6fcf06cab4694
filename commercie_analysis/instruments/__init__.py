"""Instrument specs: the packaged questionnaires and the loader for any other.

Packaged specs
--------------
bfi
    The 25-item Big Five inventory of the SAPA project (IPIP items), answers 1..6,
    with its published scoring key.
commercial_profile
    First draft of the seller profile: four seller types (Adviseur,
    Ervaringsdeskundige, Relatiebouwer, Afsluiter), Dutch and English.
market_profile
    First draft of the market profile: the same four categories plus a split between
    winning new customers and developing existing ones, giving eight market profiles.
adoption_ladder
    First draft of the eight-phase adoption ladder (onbewust .. voorkeur).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..exceptions import InstrumentError
from .spec import (
    CONSTRUCT_KINDS,
    AnswerScale,
    AttentionCheck,
    Construct,
    Instrument,
    Item,
    Profile,
    ProfileSet,
    parse_yaml,
)

__all__ = [
    "AnswerScale",
    "AttentionCheck",
    "Construct",
    "Instrument",
    "Item",
    "Profile",
    "ProfileSet",
    "CONSTRUCT_KINDS",
    "load_instrument",
    "packaged_instruments",
]


def packaged_instruments() -> list[str]:
    """Names of the instrument specs shipped with the package.

    Examples
    --------
    >>> "bfi" in packaged_instruments()
    True
    """
    folder = resources.files(__package__)
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


def load_instrument(name_or_path: str | Path | Instrument) -> Instrument:
    """Load a packaged instrument by name, or any instrument spec by path.

    Parameters
    ----------
    name_or_path : str, Path or Instrument
        A packaged name such as ``"bfi"``, or the path of a YAML spec. An
        :class:`Instrument` is returned as it is.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        If no such instrument exists or the spec is invalid; the message names the
        file and the field.

    Examples
    --------
    >>> load_instrument("commercial_profile").construct_ids
    ['adviseur', 'ervaringsdeskundige', 'relatiebouwer', 'afsluiter']
    """
    if isinstance(name_or_path, Instrument):
        return name_or_path
    text = str(name_or_path)
    if not text.strip():
        raise InstrumentError(
            "instrument: empty name; give a packaged instrument "
            f"({', '.join(packaged_instruments())}) or the path of a YAML spec"
        )
    if text in packaged_instruments():
        path = Path(str(resources.files(__package__).joinpath(f"{text}.yaml")))
        return parse_yaml(path)

    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise InstrumentError(f"{path}: instrument spec not found")
        if path.is_dir():
            raise InstrumentError(f"{path}: is a folder, expected a YAML file")
        return parse_yaml(path)

    raise InstrumentError(
        f"unknown instrument {text!r}: not a packaged instrument "
        f"({', '.join(packaged_instruments())}) and not a path to a YAML spec"
    )
