"""The whole check of a business rating rubric (risk.business.rubric_check): each malformed part of
a draft is a field error naming its path in the document; and any rubric the check accepts rates
any valid business profile without an error, with a grade A–E (hypothesis)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from products.choices import RISK_GRADES
from risk.business.rubric_check import QUANTITATIVE_KINDS, check_definition
from risk.business.rubric_v1 import RUBRIC_V1
from risk.business.scorecard import rate
from risk.business.services import indicator_values

D = Decimal
Q = "definition.quantitative"


def _set(path: list, value):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(path: list):
    def mutate(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _swap_bands(doc):
    bands = doc["quantitative"][0]["bands"]
    bands[1], bands[2] = bands[2], bands[1]


def _swap_grades_pd(doc):
    grades = doc["grades"]
    grades[1]["pd"], grades[2]["pd"] = grades[2]["pd"], grades[1]["pd"]


MALFORMED = [
    # bands: unsorted, overlapping, gapped, empty, inverted, closed at the ends
    ("unsorted bands", _swap_bands, f"{Q}[0].bands[1].min"),
    ("overlapping bands", _set(["quantitative", 0, "bands", 1, "min"], "0.3"), f"{Q}[0].bands[1].min"),
    ("a gap between bands", _set(["quantitative", 0, "bands", 2, "min"], "0.65"), f"{Q}[0].bands[2].min"),
    ("a band with min above max", _set(["quantitative", 0, "bands", 1, "max"], "0.3"), f"{Q}[0].bands[1]"),
    ("no bands", _set(["quantitative", 0, "bands"], []), f"{Q}[0].bands"),
    ("a closed lowest band", _set(["quantitative", 0, "bands", 0, "min"], "0"), f"{Q}[0].bands[0].min"),
    ("a closed highest band", _set(["quantitative", 0, "bands", 3, "max"], "9"), f"{Q}[0].bands[3].max"),
    # bounds that are not numbers
    ("a word as a bound", _set(["quantitative", 0, "bands", 1, "min"], "forty"), f"{Q}[0].bands[1].min"),
    ("a float as a bound", _set(["quantitative", 0, "bands", 1, "min"], 0.4), f"{Q}[0].bands[1].min"),
    ("NaN as a bound", _set(["quantitative", 0, "bands", 1, "min"], "NaN"), f"{Q}[0].bands[1].min"),
    ("a missing inner bound", _delete(["quantitative", 0, "bands", 1, "max"]), f"{Q}[0].bands[1].max"),
    # points
    ("a band without points", _delete(["quantitative", 0, "bands", 1, "points"]), f"{Q}[0].bands[1].points"),
    ("points above 100", _set(["quantitative", 0, "bands", 1, "points"], 101), f"{Q}[0].bands[1].points"),
    ("points as a word", _set(["quantitative", 0, "bands", 1, "points"], "many"), f"{Q}[0].bands[1].points"),
    ("negative missing points", _set(["quantitative", 1, "missing"], -5), f"{Q}[1].missing"),
    ("a coded choice's points", _set(["quantitative", 5, "choices", "A"], "A+"), f"{Q}[5].choices.A"),
    (
        "qualitative points",
        _set(["qualitative", 0, "choices", 0, "points"], "lots"),
        "definition.qualitative[0].choices[0].points",
    ),
    (
        "personal grade points",
        _set(["personal_grade_points", "B"], 120),
        "definition.personal_grade_points.B",
    ),
    (
        "a personal grade left out",
        _delete(["personal_grade_points", "E"]),
        "definition.personal_grade_points",
    ),
    # indicators
    ("an unknown indicator", _set(["quantitative", 0, "code"], "debt_ratoi"), f"{Q}[0].code"),
    ("an indicator twice", _set(["quantitative", 1, "code"], "debt_ratio"), f"{Q}[1].code"),
    ("bands for a coded value", _set(["quantitative", 5, "bands"], []), f"{Q}[5].bands"),
    ("choices for a ratio", _delete(["quantitative", 0, "bands"]), f"{Q}[0].bands"),
    ("no English label", _delete(["quantitative", 2, "label_en"]), f"{Q}[2].label_en"),
    (
        "a qualitative choice twice",
        _set(["qualitative", 1, "choices", 1, "code"], "growing"),
        "definition.qualitative[1].choices[1].code",
    ),
    # weights and shares
    ("quantitative weights not adding to 100", _set(["quantitative", 0, "weight"], 30), Q),
    (
        "qualitative weights not adding to 100",
        _set(["qualitative", 0, "weight"], 5),
        "definition.qualitative",
    ),
    ("a negative weight", _set(["quantitative", 0, "weight"], -20), f"{Q}[0].weight"),
    ("a word as a weight", _set(["qualitative", 0, "weight"], "heavy"), "definition.qualitative[0].weight"),
    ("a share above one", _set(["quantitative_share"], "1.5"), "definition.quantitative_share"),
    ("a personal weight as a word", _set(["personal_weight"], "some"), "definition.personal_weight"),
    ("a missing key", _delete(["personal_grade_points"]), "definition.personal_grade_points"),
    ("an unknown key", _set(["grade"], []), "definition.grade"),
    # grades: cut-offs, PDs
    ("cut-offs not falling", _set(["grades", 2, "min_score"], "70"), "definition.grades[2].min_score"),
    ("equal cut-offs", _set(["grades", 1, "min_score"], "80"), "definition.grades[1].min_score"),
    ("a cut-off above 100", _set(["grades", 0, "min_score"], "101"), "definition.grades[0].min_score"),
    ("E not starting at 0", _set(["grades", 4, "min_score"], "10"), "definition.grades[4].min_score"),
    ("PDs not rising", _swap_grades_pd, "definition.grades[2].pd"),
    ("a PD of 0", _set(["grades", 0, "pd"], "0"), "definition.grades[0].pd"),
    ("a PD of 1", _set(["grades", 4, "pd"], "1"), "definition.grades[4].pd"),
    ("a PD beyond six places", _set(["grades", 0, "pd"], "0.0000001"), "definition.grades[0].pd"),
    ("a grade without a PD", _delete(["grades", 3, "pd"]), "definition.grades[3].pd"),
    ("grades out of order", _set(["grades", 0, "grade"], "B"), "definition.grades"),
    ("four grades", _delete(["grades", 4]), "definition.grades"),
]


def test_the_published_v1_is_sound():
    assert check_definition(RUBRIC_V1) == {}


def test_the_kinds_name_exactly_the_indicators_the_rating_computes():
    facts = {
        "total_liabilities": D(1),
        "total_assets": D(2),
        "annual_revenue": D(3),
        "annual_revenue_previous": D(2),
        "net_profit": D(1),
        "tax_rating": "A",
        "years_trading": 3,
    }
    assert set(indicator_values(facts, amount=D(1), debt_service=D(1))) == set(QUANTITATIVE_KINDS)


@pytest.mark.parametrize(("case", "mutate", "path"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_each_malformed_part_is_an_error_at_its_path(case, mutate, path):
    doc = copy.deepcopy(RUBRIC_V1)
    mutate(doc)
    errors = check_definition(doc)
    assert path in errors, errors
    assert all(isinstance(m, str) and m for ms in errors.values() for m in ms)


@pytest.mark.parametrize("junk", [None, [], "rubric", 3, {"quantitative": "x"}])
def test_a_document_that_is_not_a_rubric_is_an_error_not_an_exception(junk):
    assert check_definition(junk)


# --- Property: what the check accepts, the rating can use -----------------------------------------
points = st.integers(min_value=0, max_value=100)
bound = st.decimals(min_value=-10, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def weights(draw, n):
    """n whole weights ≥ 0 adding up to 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)))
    edges = [0, *cuts, 100]
    return [edges[i + 1] - edges[i] for i in range(n)]


@st.composite
def rubrics(draw):
    doc = copy.deepcopy(RUBRIC_V1)
    codes = draw(st.lists(st.sampled_from(sorted(QUANTITATIVE_KINDS)), min_size=1, unique=True))
    quantitative = []
    for code, weight in zip(codes, draw(weights(len(codes))), strict=True):
        spec = {"code": code, "label_zh": code, "label_en": code, "weight": weight, "missing": draw(points)}
        if QUANTITATIVE_KINDS[code] == "choices":
            spec["choices"] = draw(st.dictionaries(st.sampled_from("ABMCDX"), points, min_size=1))
        else:
            cuts = sorted(draw(st.sets(bound, max_size=5)))
            edges = [None, *[str(c) for c in cuts], None]
            spec["bands"] = [
                {"min": edges[i], "max": edges[i + 1], "points": draw(points)} for i in range(len(edges) - 1)
            ]
        quantitative.append(spec)
    doc["quantitative"] = quantitative
    for spec, weight in zip(doc["qualitative"], draw(weights(len(doc["qualitative"]))), strict=True):
        spec["weight"] = weight
        for choice in spec["choices"]:
            choice["points"] = draw(points)
    doc["quantitative_share"] = str(draw(st.decimals(0, 1, places=2)))
    doc["personal_weight"] = str(draw(st.decimals(0, 1, places=2)))
    doc["personal_grade_points"] = {g: draw(points) for g in RISK_GRADES}
    scores = sorted(draw(st.sets(st.integers(1, 100), min_size=4, max_size=4)), reverse=True) + [0]
    pds = sorted(draw(st.sets(st.integers(1, 999_999), min_size=5, max_size=5)))
    doc["grades"] = [
        {"grade": g, "min_score": str(s), "pd": str(D(p) / 10**6)}
        for g, s, p in zip(RISK_GRADES, scores, pds, strict=True)
    ]
    return doc


money = st.decimals(min_value=0, max_value=10**9, places=2)
profiles = st.fixed_dictionaries(
    {
        "annual_revenue": money,
        "annual_revenue_previous": money,
        "net_profit": st.decimals(min_value=-(10**9), max_value=10**9, places=2),
        "total_assets": money,
        "total_liabilities": money,
        "tax_rating": st.sampled_from("ABMCD"),
        "years_trading": st.integers(min_value=0, max_value=32767),
    }
)
JUNK = [None, -1, 101, 1.5, "x", "NaN", "", [], {}, True, "0.5", 50]


def _answers(doc, draw):
    return {s["code"]: draw(st.sampled_from([c["code"] for c in s["choices"]])) for s in doc["qualitative"]}


def _rate_profile(doc, data):
    facts = data.draw(profiles)
    amount = data.draw(st.decimals(min_value=1, max_value=10**8, places=2))
    service = data.draw(st.decimals(min_value=0, max_value=10**8, places=2))
    values = indicator_values(facts, amount=amount, debt_service=service)
    personal = data.draw(st.sampled_from([None, *RISK_GRADES]))
    rating = rate(doc, values=values, answers=_answers(doc, data.draw), personal_grade=personal)
    assert rating.grade in RISK_GRADES
    assert D(0) < rating.pd < D(1)
    assert D(0) <= rating.score <= D(100)
    return rating


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(doc=rubrics(), data=st.data())
def test_a_well_formed_rubric_is_accepted_and_rates_any_profile(doc, data):
    assert check_definition(doc) == {}
    _rate_profile(doc, data)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(doc=rubrics(), data=st.data())
def test_any_rubric_the_check_accepts_rates_any_profile_with_a_grade(doc, data):
    """Damage a sound rubric at a random place (a junk value, or a key removed): either the check
    names an error or the rating still works and gives a grade A–E."""
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(st.sampled_from(JUNK))
    if check_definition(doc) == {}:
        _rate_profile(doc, data)
