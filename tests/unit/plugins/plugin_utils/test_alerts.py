"""The check of prometheus_alert_thresholds (plugin_utils/_alerts.py, filter nova.dgx.alert_threshold_errors)."""

from __future__ import annotations

import pathlib
import re
import typing as t

import pytest
import yaml

from ansible_collections.nova.dgx.plugins.filter.alerts import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._alerts import THRESHOLDS, threshold_errors

ROOT = pathlib.Path(__file__).resolve().parents[4]
DEFAULTS = yaml.safe_load((ROOT / "roles/prometheus/defaults/main.yml").read_text())["prometheus_alert_thresholds"]
NAME = "prometheus_alert_thresholds"


def with_(**changes: t.Any) -> dict[str, t.Any]:
    return {**DEFAULTS, **changes}


def test_the_defaults_are_valid_and_cover_every_threshold_the_template_reads() -> None:
    template = (ROOT / "roles/prometheus/templates/rules/nova.rules.yml.j2").read_text()
    assert threshold_errors(DEFAULTS) == []
    assert set(DEFAULTS) == set(THRESHOLDS) == set(re.findall(r"\bt\.([a-z0-9_]+)", template))


def test_the_filter_is_the_plugin_utils_check() -> None:
    assert FilterModule().filters()["alert_threshold_errors"] is threshold_errors


@pytest.mark.parametrize(
    ("thresholds", "expected"),
    [
        (with_(disk_free_percent=120), f"{NAME}.disk_free_percent must be a percentage from 0 to 100, got int 120"),
        (with_(memory_psi_waiting_percent=-1), f"{NAME}.memory_psi_waiting_percent must be a percentage from 0 to 100, got int -1"),
        (with_(gpu_wedge_busy_percent="50"), f"{NAME}.gpu_wedge_busy_percent must be a percentage from 0 to 100, got str '50'"),
        (with_(disk_free_percent=True), f"{NAME}.disk_free_percent must be a percentage from 0 to 100, got bool True"),
        (with_(gpu_temp_critical_c=200), f"{NAME}.gpu_temp_critical_c must be a temperature in °C from 0 to 150, got int 200"),
        (with_(cert_expiry_critical_days=0), f"{NAME}.cert_expiry_critical_days must be a number greater than 0, got int 0"),
        (with_(clock_offset_seconds=-0.5), f"{NAME}.clock_offset_seconds must be a number greater than 0, got float -0.5"),
        (with_(gpu_wedge_sm_clock_mhz=float("inf")), f"{NAME}.gpu_wedge_sm_clock_mhz must be a number greater than 0, got float inf"),
        (with_(container_restarts=None), f"{NAME}.container_restarts must be a number greater than 0, got null None"),
        (with_(backup_max_age="26 hours"),
         f"{NAME}.backup_max_age must be a Prometheus duration of one whole number above 0 and one unit (s, m, h, d or w),"
         " such as 5m, 26h or 35d, got str '26 hours'"),
        (with_(wireguard_handshake_max_age=300), f"{NAME}.wireguard_handshake_max_age must be a Prometheus duration"),
        (with_(host_down_for="0m"), f"{NAME}.host_down_for must be a Prometheus duration of one whole number above 0"),
        (with_(drill_max_age="1y"), f"{NAME}.drill_max_age must be a Prometheus duration of one whole number above 0 and one unit (s, m, h, d or w)"),
        (with_(disk_filling_lookback="1h30m"),
         f"{NAME}.disk_filling_lookback must be a Prometheus duration of one whole number above 0 and one unit (s, m, h, d or w),"
         " such as 5m, 26h or 35d (write 90m for 1h30m), got str '1h30m'"),
        (with_(backup_max_age="1d2h"), "(write 26h for 1d2h)"),
        (with_(gpu_temp_warning_c=92),
         f"{NAME}.gpu_temp_warning_c (92) must be below {NAME}.gpu_temp_critical_c (92): the warning must come before the critical"
         " alert; lower gpu_temp_warning_c or raise gpu_temp_critical_c"),
        (with_(memory_available_critical_percent=15),
         f"{NAME}.memory_available_critical_percent (15) must be below {NAME}.memory_available_warning_percent (10): less available"
         " memory is worse, so the critical level is the lower one"),
        (with_(cert_expiry_warning_days=2), f"{NAME}.cert_expiry_critical_days (3) must be below {NAME}.cert_expiry_warning_days (2)"),
        (with_(disk_free_percent=50), f"{NAME}.disk_free_percent (50) must be below {NAME}.disk_filling_free_percent (40)"),
    ],
)
def test_a_bad_value_is_named_with_its_fix(thresholds: dict[str, t.Any], expected: str) -> None:
    problems = threshold_errors(thresholds)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_unknown_and_missing_keys_are_named() -> None:
    thresholds = {key: value for key, value in DEFAULTS.items() if key != "drill_max_age"}
    thresholds.update(gpu_temp_warn_c=80, colour="blue")
    assert threshold_errors(thresholds) == [
        f"{NAME}.colour is not a threshold the alert rules use: remove it (the known ones are {', '.join(THRESHOLDS)})",
        f"{NAME}.gpu_temp_warn_c is not a threshold the alert rules use: remove it (did you mean gpu_temp_warning_c?)",
        f"{NAME}.drill_max_age is missing: the alert rules need every threshold; copy it from roles/prometheus/defaults/main.yml",
    ]


def test_the_order_is_checked_only_between_valid_values() -> None:
    # a warning of 200 °C is out of range: one message about that, none about the order
    assert threshold_errors(with_(gpu_temp_warning_c=200)) == [
        f"{NAME}.gpu_temp_warning_c must be a temperature in °C from 0 to 150, got int 200"]


def test_floats_and_the_limits_themselves_are_accepted() -> None:
    assert threshold_errors(with_(disk_free_percent=0, disk_filling_free_percent=100, gpu_temp_warning_c=0.5,
                                  gpu_temp_critical_c=150, clock_offset_seconds=0.001, drill_max_age="5w")) == []


@pytest.mark.parametrize("value", [["a"], "gpu_temp_warning_c: 85", None])
def test_something_other_than_a_mapping_is_one_message(value: object) -> None:
    problems = threshold_errors(value, "site_thresholds")
    assert len(problems) == 1 and problems[0].startswith("site_thresholds must be a mapping of threshold names to values"), problems
