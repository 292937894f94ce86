"""Each lab test's wall time, recorded for the table `make test` prints (scripts/timings)."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "NOVA_DGX_TIMINGS" not in os.environ or report.when != "call":
        return
    result = "ok" if report.passed else ("skipped" if report.skipped else "FAILED")
    name = report.nodeid.split("::")[-1]
    subprocess.run([sys.executable, str(ROOT / "scripts" / "timings"), "add", f"lab-test/{name}", f"{report.duration:.1f}", result], check=True)
