"""python -m nova_dgx readiness's page (src/nova_dgx/readiness.py): every row of the run, failures first, unreachable hosts named."""

from __future__ import annotations

from nova_dgx import readiness

REPORT = {
    "id": "r1", "started_at": "2026-12-05T23:00:00Z", "limit": "", "commit": "abc123",
    "checks": [
        {"task": "Judge the host", "role": "", "host": "db-01", "result": "pass", "item": "time synchronised", "detail": "offset +0.0001 s"},
        {"task": "Judge the databases", "role": "", "host": "db-01", "result": "fail", "item": "PostgreSQL answers",
         "detail": "pg_isready: rc 2 | no response"},
        {"task": "Judge the DGX", "role": "", "host": "dgx-spark-01", "result": "skipped", "item": "GPU count", "detail": "no GPU"},
    ],
    "recap": {"db-01": {"unreachable": 0}, "dgx-spark-01": {"unreachable": 0}, "gone-01": {"unreachable": 1}},
    "failures": [{"host": "gone-01", "task": "Probe the host", "role": "", "unreachable": True, "ignored": False,
                  "message": "ssh: connect to host 10.0.0.9 port 22: No route to host"}],
}


def test_rows_put_failures_first_and_name_unreachable_hosts() -> None:
    table = readiness.rows(REPORT)
    assert [(r["host"], r["check"], r["result"]) for r in table] == [
        ("db-01", "PostgreSQL answers", "fail"), ("gone-01", "reachable", "fail"),
        ("db-01", "time synchronised", "pass"), ("dgx-spark-01", "GPU count", "skipped")]
    assert "No route to host" in table[1]["detail"]


def test_the_page_says_not_ready_and_keeps_each_detail_in_its_cell() -> None:
    text = readiness.markdown(REPORT, readiness.rows(REPORT), ready=False)
    assert text.startswith("# Readiness 2026-12-05: NOT READY\n")
    assert "1 passed, 2 failed, 1 skipped" in text
    assert "| db-01 | PostgreSQL answers | FAIL | pg_isready: rc 2 \\| no response |" in text
    assert readiness.markdown(REPORT, [], ready=True).startswith("# Readiness 2026-12-05: READY\n")
