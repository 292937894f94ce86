# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metric names a PromQL expression reads, found by a small tokenizer (no full parser).

Dropped: string literals, comments, label matchers ``{...}`` (but ``{__name__="x"}`` and Prometheus
3's quoted ``{"x"}`` name x), range, subquery and offset brackets ``[...]``, the label lists of
by/without/on/ignoring/group_left/group_right, function and aggregation names, keywords, numbers,
durations and Grafana's ``$variables``. What is left are metric names.
"""

from __future__ import annotations

import re

KEYWORDS = frozenset({"and", "or", "unless", "atan2", "bool", "offset", "by", "without", "on", "ignoring",
                      "group_left", "group_right", "inf", "nan"})
# Each may be followed by a parenthesised list of label names (group_left/right's list is optional).
LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})

_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
# Decimal, hexadecimal and scientific numbers, durations (5m, 1h30m): a digit (or .digit) and what follows.
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[A-Za-z0-9_]*")
# Grafana's template variables: $name, ${name}, ${name:format}.
_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z0-9_]+)")
_MATCH_OPERATOR = re.compile(r"\s*(=~|!~|!=|=)")


class PromQLError(ValueError):
    """The expression cannot be tokenized (an unterminated string, brace or bracket)."""


def _string_end(expr: str, start: int) -> int:
    """The index just past the string literal that opens at start ("...", '...' or `...`)."""
    quote = expr[start]
    i = start + 1
    while i < len(expr):
        if expr[i] == "\\" and quote != "`":
            i += 2
            continue
        if expr[i] == quote:
            return i + 1
        i += 1
    raise PromQLError(f"unterminated string at {start}: {expr[start:start + 30]!r}")


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return body if literal[0] == "`" else re.sub(r"\\(.)", r"\1", body)


def _matchers(expr: str, start: int) -> tuple[int, set[str]]:
    """Skip the label matchers that open at start ({); return the index past the } and the names they give."""
    names: set[str] = set()
    i = start + 1
    previous = ""  # the last significant thing read: an identifier, a string or an operator
    while i < len(expr):
        char = expr[i]
        if char in "\"'`":
            end = _string_end(expr, i)
            literal = expr[i:end]
            operator = _MATCH_OPERATOR.match(expr, end)
            if previous == "__name__=":
                names.add(_unquote(literal))
            elif operator is None and previous in ("", ","):  # {"metric.name", ...}: a name alone
                names.add(_unquote(literal))
            previous, i = "string", end
        elif char == "}":
            return i + 1, names
        elif char == ",":
            previous, i = ",", i + 1
        elif char.isspace():
            i += 1
        else:
            operator = _MATCH_OPERATOR.match(expr, i)
            word = _IDENT.match(expr, i)
            if operator and operator.start(1) == i:
                previous = (previous + operator.group(1)) if previous == "__name__" else operator.group(1)
                i = operator.end()
            elif word:
                previous, i = word.group(), word.end()
            else:
                previous, i = char, i + 1
    raise PromQLError(f"unterminated label matchers at {start}: {expr[start:start + 30]!r}")


def _bracket_end(expr: str, start: int) -> int:
    """The index past the ] that closes the [ at start (a range, a subquery's range and step)."""
    end = expr.find("]", start)
    if end < 0:
        raise PromQLError(f"unterminated bracket at {start}: {expr[start:start + 30]!r}")
    return end + 1


def tokens(expr: str) -> tuple[list[str], set[str]]:
    """Identifiers and parentheses, in order, and the names found inside label matchers."""
    found: list[str] = []
    named: set[str] = set()
    i = 0
    while i < len(expr):
        char = expr[i]
        if char.isspace():
            i += 1
        elif char == "#":
            newline = expr.find("\n", i)
            i = len(expr) if newline < 0 else newline + 1
        elif char in "\"'`":
            i = _string_end(expr, i)
        elif char == "{":
            i, names = _matchers(expr, i)
            named |= names
        elif char == "[":
            i = _bracket_end(expr, i)
        elif char in "()":
            found.append(char)
            i += 1
        elif char == "$":
            variable = _VARIABLE.match(expr, i)
            i = variable.end() if variable else i + 1
        elif (number := _NUMBER.match(expr, i)) is not None:
            i = number.end()
        elif (word := _IDENT.match(expr, i)) is not None:
            found.append(word.group())
            i = word.end()
        else:  # operators, commas, @
            i += 1
    return found, named


def _skip_parens(items: list[str], start: int) -> int:
    """The index past the ) that closes the ( at start."""
    depth = 0
    for i in range(start, len(items)):
        depth += {"(": 1, ")": -1}.get(items[i], 0)
        if depth == 0:
            return i + 1
    return len(items)


def metric_names(expr: str) -> set[str]:
    """The metric names expr reads, e.g. {"up"} for ``sum by (host) (up{job="node"})``."""
    items, names = tokens(expr)
    i = 0
    while i < len(items):
        item = items[i]
        following = items[i + 1] if i + 1 < len(items) else ""
        if item in "()":
            i += 1
        elif item.lower() in LABEL_LISTS:
            i = _skip_parens(items, i + 1) if following == "(" else i + 1
        elif item.lower() in KEYWORDS:
            i += 1
        elif following == "(" or following.lower() in ("by", "without"):  # a function or an aggregation
            i += 1
        else:
            names.add(item)
            i += 1
    return names
