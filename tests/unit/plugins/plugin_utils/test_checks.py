"""The check contract: what nova.dgx.checks accepts, and how it reports."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._checks import CheckError, evaluate, summary


def test_each_check_becomes_a_row_in_order() -> None:
    rows = evaluate([
        {"name": "a", "ok": True, "detail": "fine"},
        {"name": "b", "ok": "False", "detail": "broken\n  badly"},
        {"name": "c", "ok": False, "detail": "not run", "skipped_because": "no GPU on this host"},
    ])
    assert rows == [
        {"name": "a", "result": "pass", "detail": "fine"},
        {"name": "b", "result": "fail", "detail": "broken badly"},
        {"name": "c", "result": "skipped", "detail": "no GPU on this host"},
    ]


def test_an_empty_skip_reason_means_the_check_runs() -> None:
    assert evaluate([{"name": "a", "ok": False, "detail": "x", "skipped_because": ""}])[0]["result"] == "fail"


def test_summary_names_every_failing_check_with_its_detail() -> None:
    rows = evaluate([{"name": "a", "ok": True, "detail": "ok"}, {"name": "b", "ok": False, "detail": "b is down"},
                     {"name": "c", "ok": False, "detail": "c is down"}, {"name": "d", "ok": 1, "detail": "x", "skipped_because": "n/a"}])
    assert summary(rows) == (True, "1 passed, 2 failed, 1 skipped: b: b is down; c: c is down")
    assert summary(rows[:1]) == (False, "1 passed")


@pytest.mark.parametrize(("checks", "message"), [
    ("not a list", "'checks' must be a list"),
    ([], "'checks' is empty"),
    (["text"], "checks[0]: must be a mapping"),
    ([{"ok": True, "detail": "x"}], "checks[0]: 'name' must be a non-empty string"),
    ([{"name": "a", "ok": True}], "checks[0] (a): 'detail' is empty"),
    ([{"name": "a", "ok": True, "detail": "  "}], "'detail' is empty"),
    ([{"name": "a", "detail": "x"}], "checks[0] (a): 'ok' is missing"),
    ([{"name": "a", "ok": "maybe", "detail": "x"}], "'ok' must be true or false, got 'maybe'"),
    ([{"name": "a", "ok": [], "detail": "x"}], "'ok' must be true or false"),
    ([{"name": "a", "ok": True, "detail": "x", "applies": True}], "unknown field(s) applies"),
    ([{"name": "a", "ok": True, "detail": "x"}, {"name": "a", "ok": True, "detail": "y"}], "the name 'a' is used twice"),
])
def test_a_malformed_check_is_refused_naming_it(checks: object, message: str) -> None:
    with pytest.raises(CheckError, match=None) as raised:
        evaluate(checks)
    assert message in str(raised.value)
