"""scripts/timings: lanes of `make` stages side by side, each stage timed, a lane stopped at its first failure, a lane
started by another lane's record."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
TIMINGS = ROOT / "scripts" / "timings"

# `waits` ends well only if `starts` begins while it runs: proof that two lanes run side by side. `marks` records a
# sub-stage as the lab test's conftest does, then waits the same way.
MAKEFILE = """\
starts:
\t@touch started; echo starting
waits:
\t@for i in $$(seq 100); do [ -e started ] && echo saw it && exit 0; sleep 0.1; done; echo never saw it; exit 1
waits-briefly:
\t@for i in $$(seq 20); do [ -e started ] && echo saw it && exit 0; sleep 0.1; done; echo never saw it; exit 1
marks:
\t@printf 'marks/half-way\\t0.1\\tok\\n' >> "$$NOVA_DGX_TIMINGS"
\t@for i in $$(seq 100); do [ -e started ] && echo saw it && exit 0; sleep 0.1; done; echo never saw it; exit 1
first:
\t@echo first ran
broken:
\t@echo broke here; exit 3
after:
\t@touch after-ran
"""


def together(directory: pathlib.Path, *lanes: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """`scripts/timings together LANE...` in directory; its result and each record's result by name, in order."""
    (directory / "Makefile").write_text(MAKEFILE)
    record = directory / "build" / "timings.tsv"
    result = subprocess.run([sys.executable, str(TIMINGS), "together", *lanes], capture_output=True, text=True, check=False,
                            cwd=directory, env=dict(os.environ, NOVA_DGX_TIMINGS=str(record)), timeout=60)
    return result, {name: state for name, _seconds, state in (line.split("\t") for line in record.read_text().splitlines())}


def test_lanes_run_side_by_side_and_each_stage_is_recorded(tmp_path: pathlib.Path) -> None:
    result, records = together(tmp_path, "waits", "first+starts")
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(records.items()) == [
        ("waits", "ok (beside first+starts)"), ("first", "ok (beside waits)"), ("starts", "ok (beside waits)")]
    # Each stage's output is printed whole, under its own heading.
    assert "==== waits: ok" in result.stdout and "saw it" in result.stdout
    assert result.stdout.index("==== first: ok") < result.stdout.index("first ran") < result.stdout.index("==== starts: ok")


def test_a_failed_stage_stops_its_lane_and_not_the_other(tmp_path: pathlib.Path) -> None:
    result, records = together(tmp_path, "first+broken+after", "starts")
    assert result.returncode == 1
    assert records["broken"].startswith("FAILED (exit 2)")
    assert records["after"].startswith("skipped")
    assert not (tmp_path / "after-ran").exists()
    assert records["first"] == "ok (beside starts)" and records["starts"] == "ok (beside first+broken+after)"
    assert (tmp_path / "started").exists()
    assert "==== broken: FAILED (exit 2)" in result.stdout and "broke here" in result.stdout
    assert "==== after: skipped" in result.stdout
    assert "timings: broken failed" in result.stderr


def test_a_lane_starts_on_the_record_it_waits_for(tmp_path: pathlib.Path) -> None:
    # `marks` sees `started` only if its lane-mate began on its record, before `marks` ended.
    result, records = together(tmp_path, "marks", "marks/half-way>starts")
    assert result.returncode == 0, result.stdout + result.stderr
    assert records == {"marks/half-way": "ok", "marks": "ok (beside starts)", "starts": "ok (beside marks)"}


def test_a_lane_whose_record_never_comes_starts_when_the_others_end(tmp_path: pathlib.Path) -> None:
    result, records = together(tmp_path, "waits-briefly", "never/recorded>starts")
    # It did not start early: `waits-briefly` never saw it. It did start: its stage ran after.
    assert records["waits-briefly"].startswith("FAILED") and "never saw it" in result.stdout
    assert records["starts"].startswith("ok") and (tmp_path / "started").exists()


def test_make_test_starts_its_lane_on_a_lab_test_that_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    trigger = re.search(r"^BESIDE_THE_LAB := lab-test/(\w+)>", makefile, re.M)
    assert trigger, "the Makefile no longer names the lab test its lane waits for"
    assert re.search(rf"^def {trigger[1]}\(", (ROOT / "tests/integration/test_site.py").read_text(), re.M)
