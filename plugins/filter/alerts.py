# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for nova.dgx.prometheus's alert rules: the check of prometheus_alert_thresholds.

``prometheus_alert_thresholds | nova.dgx.alert_threshold_errors`` is a list of messages, empty
when every threshold the rules template reads is present and valid (see plugin_utils/_alerts.py).
"""

from __future__ import annotations

import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._alerts import threshold_errors


class FilterModule:
    """nova.dgx alert rule filters."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"alert_threshold_errors": threshold_errors}
