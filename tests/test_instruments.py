"""The packaged instrument specs and the loader's messages for broken specs."""

from __future__ import annotations

import textwrap

import pytest

from commercie_analysis.exceptions import InstrumentError
from commercie_analysis.instruments import load_instrument, packaged_instruments

SELLER_TYPES = ["adviseur", "ervaringsdeskundige", "relatiebouwer", "afsluiter"]
PHASES = [
    "onbewust",
    "bewust",
    "interesse",
    "positieve_beoordeling",
    "test",
    "evaluatie",
    "implementatie",
    "voorkeur",
]
DRAFTS = ["commercial_profile", "market_profile", "adoption_ladder"]


def test_all_specs_are_packaged():
    assert set(DRAFTS) | {"bfi"} <= set(packaged_instruments())


@pytest.mark.parametrize("name", DRAFTS)
def test_draft_spec_shared_shape(name):
    spec = load_instrument(name)

    assert spec.id == name
    assert spec.version == "0.1"
    assert spec.languages == ("nl", "en")
    assert (spec.scale.min, spec.scale.max) == (1, 5)
    assert spec.scale.missing_codes == (9,)
    for lang in ("nl", "en"):
        assert sorted(spec.scale.labels[lang]) == [1, 2, 3, 4, 5]
        assert "draft" in spec.description["en"].lower()
        assert "eerste versie" in spec.description["nl"].lower()
        for item in spec.items:
            assert item.text[lang].strip()
        for construct in spec.constructs:
            assert construct.labels[lang].strip()
    assert spec.scale.labels["nl"][1] == "helemaal oneens"
    assert spec.scale.labels["en"][5] == "strongly agree"

    # Dutch and English texts differ (both written, not copied)
    assert all(item.text["nl"] != item.text["en"] for item in spec.items)
    assert len({item.text["en"] for item in spec.items}) == spec.n_items


def test_commercial_profile_key():
    spec = load_instrument("commercial_profile")

    assert spec.construct_kind == "type"
    assert spec.construct_ids == SELLER_TYPES
    assert [c.labels["en"] for c in spec.constructs] == [
        "Advisor",
        "Experienced Expert",
        "Relationship Builder",
        "Closer",
    ]
    for construct in SELLER_TYPES:
        items = spec.items_of(construct)
        assert len(items) >= 6
        assert len([i for i in items if i in spec.reverse_keyed]) >= 2
    key = spec.key_matrix()
    assert key.shape == (28, 4)
    assert (key.abs().sum(axis=1) == 1).all()
    assert key.loc["cp_adv6", "adviseur"] == -1


def test_market_profile_key_and_profiles():
    spec = load_instrument("market_profile")

    assert spec.construct_ids == [*SELLER_TYPES, "klantfocus"]
    for construct in spec.construct_ids:
        items = spec.items_of(construct)
        assert len(items) >= 6
        assert len([i for i in items if i in spec.reverse_keyed]) >= 2

    profiles = spec.profiles
    assert profiles.split_construct == "klantfocus"
    assert set(profiles.poles) == {"low", "high"}
    assert profiles.poles["high"]["en"] == "winning new customers"
    assert len(profiles.profiles) == 8
    combos = {(p.construct, p.pole) for p in profiles.profiles}
    assert combos == {(c, pole) for c in SELLER_TYPES for pole in ("low", "high")}
    assert all(set(p.labels) == {"nl", "en"} for p in profiles.profiles)


def test_adoption_ladder_phases():
    spec = load_instrument("adoption_ladder")

    assert spec.construct_kind == "phase"
    assert spec.construct_ids == PHASES
    assert [c.order for c in spec.constructs] == list(range(1, 9))
    assert [c.labels["en"] for c in spec.constructs][-2:] == [
        "implementation",
        "preference",
    ]
    assert all(len(spec.items_of(phase)) >= 2 for phase in PHASES)


# -- the loader's messages for broken specs ----------------------------------------

GOOD = """\
id: demo
name: {en: Demo}
version: "1.0"
languages: [en]
scale:
  min: 1
  max: 5
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
"""


def write(tmp_path, text):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_spec_loads_by_path(tmp_path):
    spec = load_instrument(write(tmp_path, GOOD))

    assert spec.item_ids == ["w1", "w2"]
    assert spec.reverse_keyed == ["w2"]


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            "construct: warmth\n    reverse",
            "construct: coldness\n    reverse",
            "items[1] (w2).construct",
            "unknown construct 'coldness'",
        ),
        ("- id: w2", "- id: w1", "items[1] (w1).id", "duplicated item id 'w1'"),
        ("max: 5", "max: 1", "scale", "min (1) must be smaller than max (1)"),
        ('version: "1.0"\n', "", "version", "is required but missing"),
        ("  min: 1", "  min: [1", "line", "not valid YAML"),
    ],
    ids=["unknown-construct", "duplicated-id", "min-not-below-max", "missing", "yaml"],
)
def test_broken_spec_message_names_file_and_field(tmp_path, old, new, field, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))

    with pytest.raises(InstrumentError) as info:
        load_instrument(path)

    message = str(info.value)
    assert message.startswith(str(path))
    assert field in message
    assert problem in message


def test_unknown_packaged_name_lists_the_packaged_ones():
    with pytest.raises(InstrumentError, match="commercial_profile"):
        load_instrument("no_such_instrument")


def test_a_key_given_twice_is_an_error_with_its_line(tmp_path):
    # Plain YAML loading would keep the last value and silently flip the key.
    text = GOOD.replace(
        "    reverse: true\n", "    reverse: true\n    reverse: false\n"
    )
    with pytest.raises(InstrumentError, match=r"line 19: key 'reverse' is given twice"):
        load_instrument(write(tmp_path, text))


@pytest.mark.parametrize("bad_id", ["../../etc", "a/b", " ", "-x"])
def test_instrument_id_must_be_a_plain_name(tmp_path, bad_id):
    text = GOOD.replace("id: demo", f"id: '{bad_id}'")
    with pytest.raises(InstrumentError, match=r"broken.yaml: id"):
        load_instrument(write(tmp_path, text))


def test_empty_instrument_name():
    with pytest.raises(InstrumentError, match="empty name"):
        load_instrument("")


def test_the_documented_example_spec_loads(tmp_path):
    # docs/instruments.md shows a complete spec; it must stay a valid one.
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "instruments.md"
    example = page.read_text(encoding="utf-8").split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "warmth.yaml"
    path.write_text(example, encoding="utf-8")
    spec = load_instrument(path)
    assert spec.reverse_keyed == ["k2", "s2"]
    assert spec.scale.missing_codes == (9,)
