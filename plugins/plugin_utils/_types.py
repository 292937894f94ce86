# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Name a value's kind in error messages the way a YAML author thinks of it."""

from __future__ import annotations

_KINDS: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("bool", (bool,)), ("int", (int,)), ("float", (float,)), ("str", (str,)), ("list", (list, tuple)), ("dict", (dict,)),
)


def yaml_kind(value: object) -> str:
    """bool, int, float, str, list, dict or null; Ansible's tagged subclasses are not shown (bool before int)."""
    for kind, types in _KINDS:
        if isinstance(value, types):
            return kind
    return "null" if value is None else type(value).__name__
