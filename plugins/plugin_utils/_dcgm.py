# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dcgm-exporter's collectors for nova.dgx.dcgm_exporter: which DCGM fields a GPU gets, and the checks of that input (private)."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["field_errors", "fields_for"]

_FIELD = re.compile(r"DCGM_(FI|EXP)_[A-Z0-9_]+")
_TYPES = ("gauge", "counter", "label")
PROFILES = ("auto", "spark", "full")


def _entry_errors(entries: object, where: str) -> list[str]:
    if not isinstance(entries, list):
        return [f"{where} must be a list of {{name, type, help}}, got {shown(entries)}"]
    problems = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not _FIELD.fullmatch(name):
            problems.append(f"{where}[{index}].name must be a DCGM field such as DCGM_FI_DEV_GPU_TEMP (DCGM_FI_* or DCGM_EXP_*),"
                            f" got {shown(entry)}")
            continue
        kind = entry.get("type")
        if kind not in _TYPES:
            problems.append(f"{where}[{index}] ({name}): type must be one of {', '.join(_TYPES)}, got {shown(kind)}")
        if not isinstance(entry.get("help", ""), str) or "," in entry.get("help", ""):
            problems.append(f"{where}[{index}] ({name}): help must be text without commas (it is a CSV column), got {shown(entry.get('help'))}")
    return problems


def field_errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with dcgm_exporter_fields, _extra_fields, _profile and _unsupported_on_spark, each naming the field and the fix."""
    problems = _entry_errors(settings.get("dcgm_exporter_fields"), "dcgm_exporter_fields")
    problems += _entry_errors(settings.get("dcgm_exporter_extra_fields", []), "dcgm_exporter_extra_fields")
    profile = settings.get("dcgm_exporter_profile")
    if profile not in PROFILES:
        problems.append(f"dcgm_exporter_profile must be one of {', '.join(PROFILES)} (auto: spark on a DGX Spark), got {shown(profile)}")
    dead = settings.get("dcgm_exporter_unsupported_on_spark", [])
    if not isinstance(dead, list) or any(not isinstance(name, str) or not _FIELD.fullmatch(name) for name in dead):
        problems.append(f"dcgm_exporter_unsupported_on_spark must be a list of DCGM field names, got {shown(dead)}")
    if problems:
        return problems
    names = [entry["name"] for entry in settings["dcgm_exporter_fields"] + settings.get("dcgm_exporter_extra_fields", [])]
    doubles = sorted({name for name in names if names.count(name) > 1})
    if doubles:
        problems.append(f"dcgm_exporter_extra_fields repeats field(s) already collected: {', '.join(doubles)}; drop them from the extra list")
    if settings.get("spark"):
        asked = sorted({entry["name"] for entry in settings.get("dcgm_exporter_extra_fields", [])} & set(dead))
        if asked:
            problems.append(f"dcgm_exporter_extra_fields asks for {', '.join(asked)}, which a DGX Spark's GB10 does not support (unified memory:"
                            " no framebuffer, no separate memory temperature); GPU memory comes from node_exporter's MemAvailable there")
    return problems


def fields_for(fields: list[dict[str, str]], extra: list[dict[str, str]], spark: bool, dead: list[str]) -> list[dict[str, str]]:
    """The fields one host collects: the list plus extras, without the GB10's dead fields on a Spark."""
    return [entry for entry in fields + extra if not (spark and entry["name"] in dead)]
