# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one check contract: what a check is, and how a list of them becomes a result.

A check is ``{name, ok, detail}`` with an optional ``skipped_because``. The ``nova.dgx.checks``
action evaluates a list of them on the controller; the journal turns its ``checks`` result,
and nothing else, into rows. Probes that gather data are tasks, never checks.
"""

from __future__ import annotations

__all__ = ["CHECK_ACTIONS", "DETAIL_LIMIT", "CheckError", "evaluate", "summary"]

# How the journal recognises the action, whichever way a play spells it.
CHECK_ACTIONS = frozenset({"nova.dgx.checks", "checks"})
_FIELDS = frozenset({"name", "ok", "detail", "skipped_because"})
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
# The longest detail a check keeps (the journal shows the same bound).
DETAIL_LIMIT = 300


class CheckError(ValueError):
    """A check that does not follow the contract; the message names it and says what to write."""


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _truth(where: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _one_line(value).lower() if isinstance(value, (str, int)) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CheckError(f"{where}: 'ok' must be true or false, got {_one_line(value)[:60]!r}; write the test as an expression, e.g. \"{{{{ x == 1 }}}}\"")


def _check(index: int, check: object) -> dict[str, str]:
    where = f"checks[{index}]"
    if not isinstance(check, dict):
        raise CheckError(f"{where}: must be a mapping with name, ok and detail, got {type(check).__name__}")
    name = check.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CheckError(f"{where}: 'name' must be a non-empty string (what is checked, e.g. 'docker group')")
    where = f"{where} ({_one_line(name)})"
    unknown = sorted(set(check) - _FIELDS)
    if unknown:
        raise CheckError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}; a check has only {', '.join(sorted(_FIELDS))}")
    skipped = _one_line(check.get("skipped_because") or "")
    detail = _one_line(check.get("detail") if check.get("detail") is not None else "")
    if not detail and not skipped:
        raise CheckError(f"{where}: 'detail' is empty; say what was found, so a person reading the journal knows what to do")
    if skipped:
        return {"name": _one_line(name), "result": "skipped", "detail": skipped[:DETAIL_LIMIT]}
    if "ok" not in check:
        raise CheckError(f"{where}: 'ok' is missing; give the test's outcome as true or false")
    result = "pass" if _truth(where, check["ok"]) else "fail"
    return {"name": _one_line(name), "result": result, "detail": detail[:DETAIL_LIMIT]}


def evaluate(checks: object) -> list[dict[str, str]]:
    """Each check as ``{name, result: pass|fail|skipped, detail}``; CheckError for a malformed list."""
    if not isinstance(checks, list):
        raise CheckError(f"'checks' must be a list of {{name, ok, detail}} mappings, got {type(checks).__name__}")
    if not checks:
        raise CheckError("'checks' is empty; a verify step with nothing to check should not call nova.dgx.checks")
    rows = [_check(i, c) for i, c in enumerate(checks)]
    seen: set[str] = set()
    for row in rows:
        if row["name"] in seen:
            raise CheckError(f"checks: the name {row['name']!r} is used twice; names identify journal rows, make them unique")
        seen.add(row["name"])
    return rows


def summary(rows: list[dict[str, str]]) -> tuple[bool, str]:
    """(failed, message): the message names every failing check with its detail."""
    failed = [r for r in rows if r["result"] == "fail"]
    skipped = sum(r["result"] == "skipped" for r in rows)
    passed = len(rows) - len(failed) - skipped
    counts = f"{passed} passed" + (f", {len(failed)} failed" if failed else "") + (f", {skipped} skipped" if skipped else "")
    if not failed:
        return False, counts
    return True, f"{counts}: " + "; ".join(f"{r['name']}: {r['detail']}" for r in failed)
