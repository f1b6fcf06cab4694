"""commercie_analysis: check that questionnaire items measure what they should.

The toolkit reads survey exports, cleans them, validates the hypothesised key of an
instrument (reliability, factorability, number of factors, exploratory factor
analysis, congruence with the key), calibrates scoring weights and exports them, and
segments respondents. Instruments are YAML specs; see
:mod:`commercie_analysis.instruments`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("commercie_analysis")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0"

from .instruments import Instrument, load_instrument  # noqa: E402

__all__ = ["__version__", "Instrument", "load_instrument"]
