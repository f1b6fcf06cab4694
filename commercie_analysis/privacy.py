"""Personal data: find the columns that identify people, remove or pseudonymise them.

A column counts as personal when

- its name says so: names, e-mail, phone, IP address, location (latitude,
  longitude, address, postcode, city), and the recipient and panel fields of
  Qualtrics (``RecipientFirstName``, ``RecipientLastName``, ``RecipientEmail``,
  ``ExternalReference``, ``IPAddress``, ``LocationLatitude``,
  ``LocationLongitude``), SurveyMonkey (``First Name``, ``Last Name``,
  ``Email Address``, ``IP Address``, ``Custom Data 1``...) and LimeSurvey
  (``token``, ``firstname``, ``lastname``, ``email``, ``ipaddr``, ``refurl``,
  ``attribute_1``...), in English or Dutch; or
- the instrument spec lists it in ``personal_fields`` (free-text answers, for
  example), or the caller names it; or
- any of its values holds an e-mail address, an IP address or a phone number
  (Dutch numbers such as ``06-12345678`` or ``020 123 4567``, and any number
  written with ``+`` and a country code), also inside free text.

Names inside free text cannot be recognised reliably: declare such columns in the
spec's ``personal_fields`` (or ``CleaningPolicy.personal_fields``).

Personal columns are removed, or, on request, replaced by a keyed hash
(HMAC-SHA-256 with a secret salt) so that answers of the same person can still
be linked without the identity being recoverable by anyone lacking the salt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

import pandas as pd

from .exceptions import DataError

__all__ = [
    "check_salt",
    "find_personal_columns",
    "pseudonym",
    "pseudonymise",
]

# Compared with the column name case-folded and stripped of everything but letters
# and digits.
_EXACT_NAMES = {
    "name",
    "naam",
    "fullname",
    "volledigenaam",
    "firstname",
    "lastname",
    "voornaam",
    "achternaam",
    "surname",
    "familienaam",
    "tussenvoegsel",
    "initials",
    "initialen",
    "email",
    "emailaddress",
    "mail",
    "emailadres",
    "mailadres",
    "phone",
    "phonenumber",
    "telephone",
    "telefoon",
    "telefoonnummer",
    "mobile",
    "mobiel",
    "mobielnummer",
    "gsm",
    "ip",
    "ipaddress",
    "ipaddr",
    "ipadres",
    "locationlatitude",
    "locationlongitude",
    "latitude",
    "longitude",
    "lat",
    "lon",
    "lng",
    "address",
    "adres",
    "street",
    "straat",
    "postcode",
    "postalcode",
    "zipcode",
    "zip",
    "city",
    "woonplaats",
    "plaats",
    "recipientfirstname",
    "recipientlastname",
    "recipientemail",
    "externalreference",
    "externaldatareference",
    "token",
    "refurl",
    "birthdate",
    "dateofbirth",
    "geboortedatum",
    "bsn",
    "iban",
}
_NAME_PATTERNS = (
    re.compile(r"^recipient"),
    re.compile(r"^customdata\d*$"),
    re.compile(r"^attribute\d+$"),
    re.compile(r"e?mail"),
    re.compile(r"phone|telefoon|mobiel"),
    re.compile(r"ipaddr|ipaddress|ipadres"),
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"^[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}$")
# Dutch numbers (06-12345678, 020 123 4567, +31 6 1234 5678, 0031...) and any
# number written with a leading + and a country code.
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)31[\s-]?|0)[1-9](?:[\s-]?\d){8}(?!\d)"
    r"|(?<![\d+])\+\d{1,3}(?:[\s-]?\d){7,12}(?!\d)"
)


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _looks_personal(values: pd.Series) -> str | None:
    """Why the values identify people, if any of them do."""
    if pd.api.types.is_numeric_dtype(values):
        return None
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    if text.str.contains(_EMAIL).any():
        return "values hold e-mail addresses"
    if text.str.contains(_IPV4).any() or text.str.match(_IPV6).any():
        return "values hold IP addresses"
    if text.str.contains(_PHONE).any():
        return "values hold phone numbers"
    return None


def find_personal_columns(
    frame: pd.DataFrame,
    *,
    personal_fields: Iterable[str] = (),
    skip: Iterable[str] = (),
) -> dict[str, str]:
    """Columns that identify people, each with the reason it was judged personal.

    Parameters
    ----------
    frame : pandas.DataFrame
        The export's columns (items excluded by the caller through ``skip``).
    personal_fields : iterable of str
        Columns declared personal (the spec's ``personal_fields``, or the
        caller's); matched ignoring case and spaces.
    skip : iterable of str
        Columns never judged (item answers).

    Returns
    -------
    dict of str to str
        Column -> reason, in column order.

    Examples
    --------
    >>> df = pd.DataFrame({"RecipientEmail": ["a@b.nl", ""], "age": [40, 31],
    ...                    "opmerking": ["Groet, Jan", ""],
    ...                    "notes": ["ok", "bel me: 06-12345678"],
    ...                    "start": ["2024-03-02 10:01:00", "2024-03-02 11:01:00"]})
    >>> find_personal_columns(df, personal_fields=["Opmerking"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'RecipientEmail': 'column name (recipient or contact field)',
     'opmerking': 'declared personal', 'notes': 'values hold phone numbers'}
    """
    declared = {_key(name) for name in personal_fields}
    skip = set(skip)
    found: dict[str, str] = {}
    for column in frame.columns:
        if column in skip:
            continue
        key = _key(str(column))
        if key in declared:
            found[column] = "declared personal"
        elif key in _EXACT_NAMES or any(p.search(key) for p in _NAME_PATTERNS):
            found[column] = "column name (recipient or contact field)"
        else:
            reason = _looks_personal(frame[column])
            if reason:
                found[column] = reason
    return found


def pseudonym(value: object, salt: str | bytes) -> str | None:
    """The keyed hash of one value: HMAC-SHA-256, hex, first 16 characters.

    The value is first normalised (spaces collapsed, case folded) so that
    ``" Jan@X.nl"`` and ``"jan@x.nl"`` get the same pseudonym. Missing values
    stay missing.

    Examples
    --------
    >>> pseudonym("Jan@X.nl ", "s3cret") == pseudonym("jan@x.nl", "s3cret")
    True
    >>> len(pseudonym("jan@x.nl", "s3cret"))
    16
    >>> pseudonym(None, "s3cret") is None
    True
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = re.sub(r"\s+", " ", str(value)).strip().casefold()
    if not text:
        return None
    key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def check_salt(salt: str | bytes | None) -> None:
    """Refuse a missing or short salt (fewer than 8 characters).

    Raises
    ------
    DataError
        Without a secret salt, a hash of a name or e-mail address is easily
        reversed by hashing candidates.
    """
    if salt is None or len(salt) < 8:
        raise DataError(
            "--salt: pseudonymising needs a secret salt of at least 8 characters "
            "(--salt or the COMMERCIE_SALT environment variable); keep it out of "
            "the output and the repository"
        )


def pseudonymise(values: pd.Series, salt: str | bytes | None) -> pd.Series:
    """Replace every value of a column by its keyed hash (see :func:`pseudonym`).

    Raises
    ------
    DataError
        If ``salt`` is missing or shorter than 8 characters: without a secret
        salt a hash of a name or e-mail address is easily reversed by trying
        candidates.
    """
    check_salt(salt)
    return values.map(lambda v: pseudonym(v, salt)).astype("string")
