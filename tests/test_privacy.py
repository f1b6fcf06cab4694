"""Personal data never reach the output: found, removed or pseudonymised."""

import importlib.util

import pandas as pd
import pyarrow.parquet as pq
import pytest

from commercie_analysis.cleaning import CleaningPolicy, clean
from commercie_analysis.exceptions import DataError
from commercie_analysis.paths import PROJECT_ROOT
from commercie_analysis.privacy import find_personal_columns, pseudonym, pseudonymise

EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "exports"
DEMO = EXPORTS / "demo.yaml"
SALT = "a-secret-salt-for-tests"


def _fixture_module():
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", EXPORTS / "make_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def identifiers():
    """Every identifying string the fixtures hold (see make_fixtures.py)."""
    fixtures = _fixture_module()
    found = set()
    for i, (first, last, mail, phone, city, *_rest) in enumerate(
        fixtures.PEOPLE, start=1
    ):
        w = fixtures.who(i)
        found |= {
            f"{first} {last}",
            first,
            last,
            mail,
            phone,
            city,
            f"145.{w}.20.{100 + w}",  # Qualtrics IPAddress
            f"192.168.1.{10 + w}",  # LimeSurvey ipaddr
            f"81.{w}.77.{200 + w}",  # SurveyMonkey IP Address
            f"tok{w}ABC",  # LimeSurvey token
            f"crm-{1000 + w}",  # Qualtrics ExternalReference
            f"klant-{w}",  # SurveyMonkey Custom Data 1
        }
    found |= {"06-11122233", "Fleur Visser"}  # inside free-text comments
    # Short first names such as "Eva" could occur inside other words; keep the
    # ones of four letters or more, plus the full names and contact details.
    return sorted(s for s in found if len(s) >= 4)


def all_text_in(folder):
    """Every byte of the written files as text, the Parquet file decoded."""
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            frame = table.to_pandas().reset_index()
            texts[path.name] = (
                frame.astype(str).to_csv()
                + " ".join(map(str, frame.columns))
                + str(table.schema.metadata)
                + path.read_bytes().decode("latin-1")
            )
        else:
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


CASES = [
    ("plain.csv", {}),
    ("dutch.csv", {}),
    ("responses.xlsx", {"sheet": "Antwoorden"}),
    ("responses.sav", {"id_column": "respnr"}),
    ("qualtrics.csv", {}),
    ("limesurvey.csv", {}),
    ("surveymonkey.csv", {}),
]


@pytest.mark.parametrize("pseudonymised", [False, True])
@pytest.mark.parametrize(("name", "options"), CASES)
def test_no_identifier_reaches_the_output(tmp_path, name, options, pseudonymised):
    policy = CleaningPolicy(missing_labels=("weet niet",), careless="off")
    result = clean(
        EXPORTS / name,
        DEMO,
        policy=policy,
        pseudonymise=pseudonymised,
        salt=SALT,
        **options,
    )
    folder = result.write(tmp_path / "out")
    texts = all_text_in(folder)
    assert set(texts) == {
        ".commercie-output",
        "careless_indices.csv",
        "cleaning_log.csv",
        "manifest.json",
        "responses.csv",
        "responses.parquet",
    }
    # The identifiers are in the export ...
    raw = (EXPORTS / name).read_bytes().decode("utf-8", errors="ignore")
    if name not in ("responses.xlsx", "responses.sav", "dutch.csv"):
        assert "anna.devries@example.nl" in raw
    # ... and nowhere in what was written.
    for file_name, text in texts.items():
        for identifier in identifiers():
            assert identifier not in text, (file_name, identifier)
        assert SALT not in text
    personal = result.manifest["privacy"]["personal_columns"]
    assert personal
    if pseudonymised:
        for column in personal:
            assert column in result.responses.columns
            hashed = result.responses[column].dropna()
            assert hashed.str.fullmatch(r"[0-9a-f]{16}").all()
    else:
        assert not set(personal) & set(result.responses.columns)


def test_personal_columns_of_every_tool():
    expected = {
        "qualtrics.csv": [
            "IPAddress",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "ExternalReference",
            "LocationLatitude",
            "LocationLongitude",
            "Q4",
        ],
        "limesurvey.csv": [
            "token",
            "firstname",
            "lastname",
            "email",
            "ipaddr",
            "opmerking",
        ],
        "surveymonkey.csv": [
            "IP Address",
            "Email Address",
            "First Name",
            "Last Name",
            "Custom Data 1",
            "opmerking",
        ],
        "plain.csv": ["naam", "email", "telefoon", "woonplaats", "opmerking"],
    }
    for name, columns in expected.items():
        result = clean(EXPORTS / name, DEMO, policy=CleaningPolicy(careless="off"))
        assert list(result.manifest["privacy"]["personal_columns"]) == columns, name


def test_content_detection_and_declared_fields():
    frame = pd.DataFrame(
        {
            "contact": ["", "x@y.org"],
            "host": ["10.0.0.1", ""],
            "note": ["fine", "call +44 20 7946 0958"],
            "when": ["2024-03-02 10:01:00", "2024-03-03 11:00:00"],
            "score": ["6,5", "7"],
            "seed": ["1234568", "1234569"],
            "Notes": ["Groet, Jan", ""],
        }
    )
    found = find_personal_columns(frame, personal_fields=["notes"], skip=["seed"])
    assert found == {
        "contact": "values hold e-mail addresses",
        "host": "values hold IP addresses",
        "note": "values hold phone numbers",
        "Notes": "declared personal",
    }


def test_pseudonym_is_keyed_and_stable():
    # HMAC-SHA-256 of "jan@x.nl" keyed with the salt, first 16 hex characters.
    import hashlib
    import hmac

    expected = hmac.new(SALT.encode(), b"jan@x.nl", hashlib.sha256).hexdigest()[:16]
    assert pseudonym("  Jan@X.nl", SALT) == expected
    assert pseudonym("jan@x.nl", "another-salt") != expected
    with pytest.raises(DataError, match="--salt: pseudonymising needs a secret salt"):
        pseudonymise(pd.Series(["a"]), None)
    with pytest.raises(DataError, match="at least 8 characters"):
        pseudonymise(pd.Series(["a"]), "short")


def test_personal_id_column_needs_pseudonymising():
    cells = pd.DataFrame(
        {
            "email": ["a@b.nl", "c@d.nl"],
            "w1": [1, 2],
            "w2": [1, 2],
            "p1": [1, 2],
            "p2": [1, 2],
            "let_op": [4, 4],
        }
    )
    policy = CleaningPolicy(careless="off")
    with pytest.raises(DataError, match=r"id column 'email' holds personal data"):
        clean(cells, DEMO, policy=policy, id_column="email")
    result = clean(
        cells, DEMO, policy=policy, id_column="email", pseudonymise=True, salt=SALT
    )
    assert list(result.responses.index) == [
        pseudonym("a@b.nl", SALT),
        pseudonym("c@d.nl", SALT),
    ]
    assert "email" not in result.responses.columns
    with pytest.raises(DataError, match="--salt"):
        clean(cells, DEMO, policy=policy, pseudonymise=True)
