# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check requested SSH algorithm lists against the strong ones we allow and the weak ones we refuse."""

from __future__ import annotations

import typing as t


def algorithm_errors(
    requested: t.Mapping[str, t.Any], strong: t.Mapping[str, list[str]], weak: t.Mapping[str, list[str]], variables: t.Mapping[str, str]
) -> list[str]:
    """One message per requested name that is weak or unknown; kinds are keys such as cipher, kex, mac."""
    errors = []
    for kind, names in requested.items():
        if not isinstance(names, list):
            continue  # the list-of-string check reports this
        for pos, name in enumerate(names):
            where = f"{variables[kind]}[{pos}]"
            if name in weak.get(kind, []):
                errors.append(f"{where} {name!r} is weak and not allowed; choose from {', '.join(strong[kind])}")
            elif name not in strong.get(kind, []):
                errors.append(f"{where} {name!r} is not an OpenSSH {kind} name; choose from {', '.join(strong[kind])}")
    return errors
