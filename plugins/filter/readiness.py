# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for playbooks/readiness.yml; the logic lives in plugin_utils/_readiness.py.

``probes | nova.dgx.readiness_host(settings)``: the rows every host has (time, disk, certificates, WireGuard).
``probes | nova.dgx.readiness_layer(layer, settings)``: the rows of one layer (vault, postgresql, backup, monitoring,
docker, gpu, k3s, nemo, mongodb, audit). ``groups | nova.dgx.readiness_absent``: a skipped row per layer not deployed.
``hosts | nova.dgx.readiness_verdict(hostvars)``: the hosts never judged and each host's failed rows.
Each row is a nova.dgx.checks row: name, ok, detail, skipped_because.
"""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._readiness import absent_rows, host_rows, layer_rows, verdict


def readiness_host(probes: t.Mapping[str, t.Any], settings: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    return host_rows(probes, settings)


def readiness_layer(probes: t.Mapping[str, t.Any], layer: str, settings: t.Mapping[str, t.Any] | None = None) -> list[dict[str, t.Any]]:
    return layer_rows(layer, probes, settings or {})


class FilterModule:
    """nova.dgx readiness filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"readiness_host": readiness_host, "readiness_layer": readiness_layer, "readiness_absent": absent_rows,
                "readiness_verdict": verdict}
