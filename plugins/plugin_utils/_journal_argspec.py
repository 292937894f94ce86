# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An argument-spec failure, told in its useful line first.

Ansible's ``validate_argument_spec`` fails with "Validation of arguments failed:" on the first
line, the errors after it and the whole spec beside them. A reader (the journal's failure
section, the runner's one-line ``error``) needs the role and the first error, on one line.
"""

from __future__ import annotations

import typing as t

__all__ = ["argument_spec_failure"]


def argument_spec_failure(result: dict[str, t.Any]) -> dict[str, t.Any]:
    """A failed task's ``result`` with ``msg`` rewritten to ``role <name>: argument spec validation failed: <first error>``
    (further errors on the following lines) and the spec left out; any other result unchanged."""
    errors = result.get("argument_errors")
    if not isinstance(errors, list) or not errors:
        return result
    context = result.get("validate_args_context")
    name = context.get("name") if isinstance(context, dict) else None
    where = f"role {name}" if name else "arguments"
    lines = list(dict.fromkeys(" ".join(str(e).split()) for e in errors))
    return {k: v for k, v in result.items() if k != "argument_spec_data"} | {
        "msg": "\n".join([f"{where}: argument spec validation failed: {lines[0]}", *lines[1:]]),
    }
