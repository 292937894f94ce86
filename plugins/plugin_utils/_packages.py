# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dpkg state base's packages entry point reads once a run, and what it says about a request.

The entry point reads ``dpkg-query -W -f='${Package}\\t${Version}\\t${Status}\\n'`` once per host
and run (again after it changed something), and calls apt only for a request the state does not
already satisfy: a converged host costs one command instead of one apt run (and its cache
check) per role. When in doubt the request counts as unsatisfied and apt decides, so a wrong
answer here can only cost time, never skip an install.
"""

from __future__ import annotations

import fnmatch
import re
import typing as t

QUERY_FORMAT = "${Package}\\t${Version}\\t${Status}\\n"
# name, name=version, name=version* (apt's own wildcard); anything else (arch, >=) goes to apt.
_SPEC = re.compile(r"^(?P<name>[a-z0-9][a-z0-9+.-]*)(?:=(?P<version>[^=\s*]+\*?))?$")


class Package(t.TypedDict):
    version: str
    want: str
    state: str


def dpkg_status(text: str) -> dict[str, Package]:
    """Parse the query's output into ``{name: {version, want, state}}``.

    ``want`` is dpkg's selection (install, hold, deinstall, purge); ``state`` its status
    (installed, config-files, half-installed, ...). A package listed twice (several
    architectures) keeps its installed instance.
    """
    result: dict[str, Package] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 3:
            continue
        name, version, status = fields
        words = status.split()
        if len(words) != 3:
            continue
        entry = Package(version=version, want=words[0], state=words[2])
        if name not in result or entry["state"] == "installed":
            result[name] = entry
    return result


def _name(spec: str) -> str:
    return spec.split("=", 1)[0]


def _satisfied(spec: str, dpkg: t.Mapping[str, t.Mapping[str, str]]) -> bool:
    match = _SPEC.match(spec)
    if not match:
        return False
    entry = dpkg.get(match["name"])
    if not entry or entry.get("state") != "installed":
        return False
    wanted = match["version"]
    return wanted is None or fnmatch.fnmatchcase(str(entry.get("version", "")), wanted)


def packages_missing(requested: t.Iterable[str], dpkg: t.Mapping[str, t.Mapping[str, str]]) -> list[str]:
    """The requested specs (``name`` or ``name=version``) the dpkg state does not satisfy."""
    return [spec for spec in requested if not _satisfied(str(spec), dpkg)]


def packages_hold_state(dpkg: t.Mapping[str, t.Mapping[str, str]], names: t.Iterable[str], matching: str = "") -> dict[str, list[str]]:
    """Of the packages named (specs allowed) plus, with ``matching`` (a regex), every installed package
    whose name matches: which are installed, and which of those are held. Both sorted."""
    wanted = {_name(str(n)) for n in names}
    if matching:
        pattern = re.compile(matching)
        wanted |= {name for name in dpkg if pattern.match(name)}
    installed = sorted(n for n in wanted if dpkg.get(n, {}).get("state") == "installed")
    held = [n for n in installed if dpkg[n].get("want") == "hold"]
    return {"installed": installed, "held": held}
