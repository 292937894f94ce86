# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.prometheus: the scrape jobs from the inventory and input checks."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.nova.dgx.plugins.plugin_utils._prometheus import (
    alertmanager_targets, probe_check, probe_errors, scrape_configs, settings_errors, target_checks, blackbox_probes,
)


def _scrape_configs(hostvars: t.Any, groups: dict[str, list[str]], me: str, extra: list[dict[str, t.Any]] | None = None,
                    probes: list[dict[str, t.Any]] | None = None) -> list[dict[str, t.Any]]:
    try:
        return scrape_configs({host: hostvars[host] for host in groups.get("all", [])}, groups, me, extra, probes)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def _blackbox_probes(hostvars: t.Any, groups: dict[str, list[str]], extra: list[dict[str, t.Any]] | None = None) -> list[dict[str, str]]:
    return blackbox_probes({host: hostvars[host] for host in groups.get("vault", []) + groups.get("monitoring", [])}, groups, extra)


def _alertmanager_targets(hostvars: t.Any, groups: dict[str, list[str]]) -> list[str]:
    return alertmanager_targets({host: hostvars[host] for host in groups.get("monitoring", [])}, groups)


class FilterModule:
    """nova.dgx Prometheus filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {
            "prometheus_scrape_configs": _scrape_configs,
            "prometheus_settings_errors": settings_errors,
            "prometheus_alertmanager_targets": _alertmanager_targets,
            "prometheus_target_checks": target_checks,
            "prometheus_blackbox_probes": _blackbox_probes,
            "prometheus_probe_errors": probe_errors,
            "blackbox_probe_check": probe_check,
        }
