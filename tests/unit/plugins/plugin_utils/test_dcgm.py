"""dcgm-exporter's collectors and the checks of nova.dgx.dcgm_exporter's input (plugin_utils/_dcgm.py)."""

from __future__ import annotations

import pathlib

import yaml

from ansible_collections.nova.dgx.plugins.plugin_utils._dcgm import field_errors, fields_for

DEFAULTS = yaml.safe_load((pathlib.Path(__file__).resolve().parents[4] / "roles/dcgm_exporter/defaults/main.yml").read_text())


def _settings(**changes: object) -> dict[str, object]:
    settings = {name: DEFAULTS[name] for name in ("dcgm_exporter_fields", "dcgm_exporter_extra_fields", "dcgm_exporter_profile",
                                                  "dcgm_exporter_unsupported_on_spark")}
    settings["spark"] = False
    settings.update(changes)
    return settings


def test_the_defaults_pass() -> None:
    assert field_errors(_settings()) == []
    assert field_errors(_settings(spark=True)) == []


def test_a_spark_leaves_out_the_dead_gb10_fields_and_keeps_what_the_alerts_read() -> None:
    spark = [field["name"] for field in fields_for(DEFAULTS["dcgm_exporter_fields"], [], True, DEFAULTS["dcgm_exporter_unsupported_on_spark"])]
    full = [field["name"] for field in fields_for(DEFAULTS["dcgm_exporter_fields"], [], False, DEFAULTS["dcgm_exporter_unsupported_on_spark"])]
    for dead in ("DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_MEMORY_TEMP",
                 "DCGM_FI_PROF_GR_ENGINE_ACTIVE"):
        assert dead in full and dead not in spark
    for alive in ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_SM_CLOCK",
                  "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_EXP_XID_ERRORS_COUNT"):
        assert alive in spark


def test_a_dead_field_asked_for_on_a_spark_is_refused_with_the_reason() -> None:
    extra = [{"name": "DCGM_FI_DEV_FB_TOTAL", "type": "gauge", "help": "total"}]
    assert field_errors(_settings(dcgm_exporter_extra_fields=extra)) == []
    (problem,) = field_errors(_settings(dcgm_exporter_extra_fields=extra, spark=True))
    assert "DCGM_FI_DEV_FB_TOTAL" in problem and "GB10" in problem and "MemAvailable" in problem


def test_bad_fields_name_the_entry_and_the_fix() -> None:
    problems = field_errors(_settings(dcgm_exporter_extra_fields=[
        {"name": "GPU_TEMP", "type": "gauge", "help": "x"},
        {"name": "DCGM_FI_DEV_PSTATE", "type": "histogram", "help": "x"},
        {"name": "DCGM_FI_DEV_PCIE_TX_THROUGHPUT", "type": "counter", "help": "bytes, total"},
    ]))
    assert any("dcgm_exporter_extra_fields[0].name" in p and "DCGM_FI_DEV_GPU_TEMP" in p for p in problems)
    assert any("dcgm_exporter_extra_fields[1] (DCGM_FI_DEV_PSTATE): type must be one of gauge, counter, label" in p for p in problems)
    assert any("[2]" in p and "without commas" in p for p in problems)
    assert field_errors(_settings(dcgm_exporter_profile="dgx")) == [
        "dcgm_exporter_profile must be one of auto, spark, full (auto: spark on a DGX Spark), got str 'dgx'"]
    (double,) = field_errors(_settings(dcgm_exporter_extra_fields=[{"name": "DCGM_FI_DEV_GPU_TEMP", "type": "gauge", "help": "again"}]))
    assert "repeats" in double and "DCGM_FI_DEV_GPU_TEMP" in double
