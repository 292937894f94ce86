"""The timeline picture of a run (plugin_utils/_journal_timeline.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_timeline import COLOURS, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def _run(timeline: list[dict] | None) -> dict:
    run = {"id": "abc12345", "playbook": "site.yml", "started_at": "2026-12-05T10:00:00Z", "status": "ok", "duration_s": 100.0}
    return run | ({"timeline": timeline} if timeline is not None else {})


def _bar(task: str, host: str, start: float, end: float, result: str, role: str = "base") -> dict:
    return {"task": task, "role": role, "host": host, "start_s": start, "end_s": end, "result": result}


def test_one_lane_per_host_one_bar_per_result_coloured_and_the_slow_ones_labelled() -> None:
    bars = [_bar("Install <packages> & hold", "dgx-spark-01", 0.0, 60.0, "changed"),
            _bar("Install <packages> & hold", "db-01", 0.0, 2.0, "ok"),
            _bar("Check", "db-01", 60.0, 60.1, "failed", role=""),
            _bar("Skip", "dgx-spark-01", 60.0, 60.0, "skipped")]
    root = ET.fromstring(timeline_svg(_run(bars)))
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert [(r.get("data-result"), r.get("fill")) for r in rects] == [(b["result"], COLOURS[b["result"]]) for b in bars]
    # Lanes sorted by host: db-01 above dgx-spark-01; the bars' lengths follow their durations.
    assert float(rects[1].get("y")) < float(rects[0].get("y"))
    assert float(rects[0].get("width")) > 20 * float(rects[1].get("width"))
    assert float(rects[3].get("width")) > 0  # a zero-length result is still drawn
    labels = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "label"]
    assert labels == ["base: Install <packages> & hold (60 s)", "base: Install <packages> & hold (2.0 s)"]
    tips = [r.find(f"{SVG}title").text for r in rects]
    assert tips[2] == "Check on db-01: failed, 0.10 s (from 60.0 s)"


def test_a_report_without_a_timeline_says_so() -> None:
    root = ET.fromstring(timeline_svg(_run(None)))
    assert not [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert "no task results recorded" in [e.text for e in root.iter(f"{SVG}text")]
