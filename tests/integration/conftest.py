"""Each lab test's wall time, recorded for the table `make test` prints (scripts/timings)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


# A test's time includes its setup: a module fixture (the fresh lab's two check runs side by side) counts
# for the first test that uses it.
SETUP: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "NOVA_DGX_TIMINGS" not in os.environ:
        return
    if report.when == "setup":
        SETUP[report.nodeid] = report.duration
    if report.when != "call":
        return
    result = "ok" if report.passed else ("skipped" if report.skipped else "FAILED")
    name = report.nodeid.split("::")[-1]
    seconds = SETUP.pop(report.nodeid, 0.0) + report.duration
    subprocess.run([sys.executable, str(ROOT / "scripts" / "timings"), "add", f"lab-test/{name}", f"{seconds:.1f}", result], check=True)
