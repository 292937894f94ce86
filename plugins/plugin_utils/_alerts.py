# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of ``prometheus_alert_thresholds``, the numbers and durations the alert rules are rendered with (private).

Every key the rules template reads is listed in ``THRESHOLDS`` with its kind; a value the template
could not turn into a valid rule (a percentage of 120, a duration of "26 hours") is refused here, on
the controller, naming the key and the fix, before promtool ever sees the file.
"""

from __future__ import annotations

import difflib
import math
import re

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["THRESHOLDS", "threshold_errors"]

PERCENT, CELSIUS, AMOUNT, DURATION = "percent", "celsius", "amount", "duration"

# Each threshold the rules template (roles/prometheus/templates/rules/nova.rules.yml.j2) reads, and its kind.
THRESHOLDS: dict[str, str] = {
    "host_down_for": DURATION,
    "disk_free_percent": PERCENT,
    "disk_filling_free_percent": PERCENT,
    "disk_filling_lookback": DURATION,
    "disk_filling_horizon": DURATION,
    "memory_available_warning_percent": PERCENT,
    "memory_available_critical_percent": PERCENT,
    "memory_psi_waiting_percent": PERCENT,
    "clock_offset_seconds": AMOUNT,
    "clock_unsynchronised_for": DURATION,
    "wireguard_handshake_max_age": DURATION,
    "gpu_temp_warning_c": CELSIUS,
    "gpu_temp_critical_c": CELSIUS,
    "gpu_wedge_sm_clock_mhz": AMOUNT,
    "gpu_wedge_busy_percent": PERCENT,
    "gpu_wedge_for": DURATION,
    "exporter_down_for": DURATION,
    "container_restarts": AMOUNT,
    "container_restart_window": DURATION,
    "backup_max_age": DURATION,
    "drill_max_age": DURATION,
    "cert_expiry_warning_days": AMOUNT,
    "cert_expiry_critical_days": AMOUNT,
    "k3s_node_not_ready_for": DURATION,
    "run_failed_for": DURATION,
    "drift_for": DURATION,
}

# (lower, higher, why): where both are valid numbers, lower must be strictly below higher.
_ORDER: tuple[tuple[str, str, str], ...] = (
    ("gpu_temp_warning_c", "gpu_temp_critical_c", "the warning must come before the critical alert"),
    ("memory_available_critical_percent", "memory_available_warning_percent",
     "less available memory is worse, so the critical level is the lower one"),
    ("cert_expiry_critical_days", "cert_expiry_warning_days", "fewer days left is worse, so the critical level is the lower one"),
    ("disk_free_percent", "disk_filling_free_percent",
     "the filling warning watches disks that are not yet almost full, so it starts above the almost-full level"),
)

# The template turns a duration into seconds with plain Jinja, so it takes one number and one unit.
_DURATION = re.compile(r"[1-9][0-9]*(s|m|h|d|w)")
_COMPOUND = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def _number(value: object) -> float | None:
    """A finite int or float (never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _one_unit(value: str) -> str:
    """' (write 90m)' for a compound duration such as 1h30m, else ''."""
    match = _COMPOUND.fullmatch(value)
    if not value or match is None or not any(match.groups()):
        return ""
    seconds = sum(int(part) * size for part, (_unit, size) in zip(match.groups(), _UNITS) if part)
    unit, size = next(((unit, size) for unit, size in _UNITS if seconds and seconds % size == 0), ("s", 1))
    return f" (write {seconds // size}{unit} for {value})" if seconds else ""


def _value_problem(kind: str, value: object) -> str:
    """What is wrong with ``value`` as a threshold of ``kind`` ("must be ..."), or ''."""
    number = _number(value)
    if kind == PERCENT:
        return "" if number is not None and 0 <= number <= 100 else "must be a percentage from 0 to 100"
    if kind == CELSIUS:
        return "" if number is not None and 0 <= number <= 150 else "must be a temperature in °C from 0 to 150"
    if kind == AMOUNT:
        return "" if number is not None and number > 0 else "must be a number greater than 0"
    if isinstance(value, str) and _DURATION.fullmatch(value):
        return ""
    hint = _one_unit(value) if isinstance(value, str) else ""
    return f"must be a Prometheus duration of one whole number above 0 and one unit (s, m, h, d or w), such as 5m, 26h or 35d{hint}"


def threshold_errors(thresholds: object, name: str = "prometheus_alert_thresholds") -> list[str]:
    """One message per problem in ``thresholds`` (unknown or missing keys, bad values, a warning level past its critical one)."""
    if not isinstance(thresholds, dict):
        return [f"{name} must be a mapping of threshold names to values (see roles/prometheus/defaults/main.yml), got {shown(thresholds)}"]
    problems: list[str] = []
    for key in sorted(set(thresholds) - set(THRESHOLDS), key=str):
        close = difflib.get_close_matches(str(key), THRESHOLDS, n=1)
        advice = f"did you mean {close[0]}?" if close else f"the known ones are {', '.join(THRESHOLDS)}"
        problems.append(f"{name}.{key} is not a threshold the alert rules use: remove it ({advice})")
    for key, kind in THRESHOLDS.items():
        if key not in thresholds:
            problems.append(f"{name}.{key} is missing: the alert rules need every threshold; copy it from roles/prometheus/defaults/main.yml")
        elif found := _value_problem(kind, thresholds[key]):
            problems.append(f"{name}.{key} {found}, got {shown(thresholds[key])}")
    for lower, higher, why in _ORDER:
        low, high = _number(thresholds.get(lower)), _number(thresholds.get(higher))
        if low is not None and high is not None and not _value_problem(THRESHOLDS[lower], low) \
                and not _value_problem(THRESHOLDS[higher], high) and low >= high:
            problems.append(f"{name}.{lower} ({thresholds[lower]}) must be below {name}.{higher} ({thresholds[higher]}): {why};"
                            f" lower {lower} or raise {higher}")
    return problems
