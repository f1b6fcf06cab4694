"""The model file's format: canonical JSON, checksum, hashes and the schema checks.

The checksum and the item-text hash are SHA-256 digests of canonical JSON: keys
sorted, separators without spaces, UTF-8 with non-ASCII characters as they are, no
NaN. Python's shortest round-trip representation writes the floats.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..instruments import Instrument

__all__ = [
    "SCHEMA_VERSION",
    "item_text_sha256",
    "data_sha256",
    "load_schema",
    "canonical",
    "content_checksum",
    "check_schema_version",
    "check_schema",
    "json_number",
    "json_safe",
]

SCHEMA_VERSION = "1.0"
"""Version of the JSON format; a reader accepts files of the same major version."""


def item_text_sha256(instrument: Instrument) -> str:
    """SHA-256 of the item ids and texts, as canonical JSON.

    The hash covers ``[{"id": ..., "text": {language: text}}, ...]`` in item order
    (keys sorted, no spaces, UTF-8), so any edit of an item text changes it.

    Examples
    --------
    >>> from commercie_analysis import load_instrument
    >>> len(item_text_sha256(load_instrument("bfi")))
    64
    """
    payload = [{"id": item.id, "text": dict(item.text)} for item in instrument.items]
    return hashlib.sha256(canonical(payload)).hexdigest()


def data_sha256(answers: pd.DataFrame) -> str:
    """SHA-256 of a block of answers: index, columns and float64 values.

    Used for the provenance when the data file's own hash is not known.

    Examples
    --------
    >>> import pandas as pd
    >>> len(data_sha256(pd.DataFrame({"a": [1.0, None]})))
    64
    """
    digest = hashlib.sha256()
    digest.update(canonical([str(c) for c in answers.columns]))
    digest.update(canonical([str(i) for i in answers.index]))
    digest.update(np.ascontiguousarray(answers.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def load_schema() -> dict[str, Any]:
    """The published JSON Schema of the scoring model file."""
    text = (
        resources.files("commercie_analysis")
        .joinpath("schemas/scoring_model.schema.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def content_checksum(content: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical(content)).hexdigest()


def json_number(value: float) -> float | int:
    """A number for JSON: whole numbers as int, others as float."""
    value = float(value)
    if not math.isfinite(value):
        raise ModelError(f"cannot store the non-finite number {value!r} in a model")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def json_safe(value: Any) -> Any:
    """Turn numpy scalars into Python numbers and NaN into None, recursively."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def check_schema_version(document, source: str) -> None:
    """Refuse a document without a schema version or of another major version."""
    version = document.get("schema_version")
    if not isinstance(version, str):
        raise ModelError(
            f"{source}: schema version check failed: no schema_version; not a "
            "scoring model file"
        )
    major = version.split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise ModelError(
            f"{source}: schema version check failed: the file has schema_version "
            f"{version}, this package reads {SCHEMA_VERSION.split('.')[0]}.x"
        )


def check_schema(document, source: str) -> None:
    """Validate against the JSON Schema; the error names the first violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "top level"
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ModelError(
            f"{source}: schema check failed at {where}: {first.message}{more}"
        )
