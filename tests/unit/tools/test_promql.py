"""nova_dgx.promql.metric_names: the metric names of a PromQL expression, by a small tokenizer."""

from __future__ import annotations

import pathlib

import pytest

from nova_dgx import alerts, promql

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("expr", "expected"), [
    ("up", {"up"}),
    ('up{job="node"} == 0', {"up"}),
    ('absent(up{job="node"})', {"up"}),
    # The platform's own rules, as rendered with the role's defaults.
    ('node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs"} * 100 < 40\n'
     'and\npredict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"}[6h], 86400) < 0\n'
     'and\nnode_filesystem_readonly{fstype!~"tmpfs|overlay|squashfs"} == 0\n',
     {"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_readonly"}),
    ("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < 10\nand on (instance)\n(\n"
     "  rate(node_pressure_memory_waiting_seconds_total[5m]) * 100 > 10\n  or on (instance)\n"
     "  (node_memory_MemTotal_bytes unless on (instance) node_pressure_memory_waiting_seconds_total)\n)\n",
     {"node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes", "node_pressure_memory_waiting_seconds_total"}),
    ("increase(node_vmstat_oom_kill[10m]) > 0", {"node_vmstat_oom_kill"}),
    ("abs(node_timex_offset_seconds) > 0.1", {"node_timex_offset_seconds"}),
    ("time() - nova_wireguard_latest_handshake_timestamp_seconds > 300", {"nova_wireguard_latest_handshake_timestamp_seconds"}),
    ('count by (instance) (node_network_info{device=~"wg.*"})\nunless on (instance)\n'
     "count by (instance) (nova_wireguard_latest_handshake_timestamp_seconds)\n",
     {"node_network_info", "nova_wireguard_latest_handshake_timestamp_seconds"}),
    ('DCGM_EXP_XID_ERRORS_COUNT{xid!~"48|63|64|79|94|95|119|120"} > 0', {"DCGM_EXP_XID_ERRORS_COUNT"}),
    ("DCGM_FI_DEV_SM_CLOCK < 800\nand on (instance, gpu)\nDCGM_FI_DEV_GPU_UTIL > 50\nunless on (instance, gpu)\n"
     "(DCGM_FI_DEV_CLOCKS_EVENT_REASONS or DCGM_FI_DEV_CLOCK_THROTTLE_REASONS) > 1\n",
     {"DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"}),
    ('up{job="dcgm"} == 1 unless on (instance) DCGM_FI_DEV_GPU_TEMP', {"up", "DCGM_FI_DEV_GPU_TEMP"}),
    ('changes(container_start_time_seconds{name!=""}[15m]) >= 3', {"container_start_time_seconds"}),
    ('up{job="cadvisor"} == 0\nor\n(absent(up{job="cadvisor"}) and on () prometheus_sd_discovered_targets{config="cadvisor", name="scrape"})\n',
     {"up", "prometheus_sd_discovered_targets"}),
    ('(\n  label_replace(count(up{job="postgres"}), "engine", "postgresql", "", "")\n  or\n'
     '  label_replace(count(up{job="mongodb"}), "engine", "mongodb", "", "")\n)\nunless on (engine)\n'
     "count by (engine) (nova_backup_last_success_timestamp_seconds)\n",
     {"up", "nova_backup_last_success_timestamp_seconds"}),
    ("time() - (\n  nova_backup_drill_last_success_timestamp_seconds\n  or on (instance, engine)\n"
     "  nova_backup_last_success_timestamp_seconds * 0\n) > 3024000\n",
     {"nova_backup_drill_last_success_timestamp_seconds", "nova_backup_last_success_timestamp_seconds"}),
    ("probe_ssl_earliest_cert_expiry - time() < 14 * 86400", {"probe_ssl_earliest_cert_expiry"}),
    ('kube_node_status_condition{condition="Ready", status="true"} == 0', {"kube_node_status_condition"}),
])
def test_the_metrics_of_real_expressions(expr: str, expected: set[str]) -> None:
    assert promql.metric_names(expr) == expected


@pytest.mark.parametrize(("expr", "expected"), [
    ('{__name__="node_load1", host="a"}', {"node_load1"}),
    ('{__name__=~"node_load.*"}', set()),  # a regex names no one metric
    ('{"my.dotted.metric", host="a"} + {"label.with.dot"="x", __name__="other"}', {"my.dotted.metric", "other"}),
    ('foo{label="a}b{c", other=\'x"y\', raw=`z}`} + bar', {"foo", "bar"}),  # braces and quotes inside strings
    ('sum without (instance, job) (rate(http_requests_total{code=~"5.."}[5m] offset 1h))', {"http_requests_total"}),
    ("sum(rate(a_total[5m])) by (host) / on (host) group_left (model) b_info", {"a_total", "b_info"}),
    ("a * on (x) group_left c", {"a", "c"}),  # group_left without a label list: c is a metric
    ("max_over_time(deriv(rate(x_total[1m])[30m:1m])[1h:]) @ start()", {"x_total"}),
    ("foo AND bar OR baz UNLESS qux", {"foo", "bar", "baz", "qux"}),  # keywords in any case
    ("foo > bool 0x1F and foo < 1e+9 or foo != Inf or foo == -NaN or foo > .5", {"foo"}),
    ("foo atan2 bar", {"foo", "bar"}),
    ("topk(5, count_values(\"version\", build_info)) or quantile(0.9, latency_seconds)", {"build_info", "latency_seconds"}),
    ("rate(x_total[$__rate_interval]) / $__range_s * ${factor} + y{host=~\"$host\"}", {"x_total", "y"}),
    ("job:up:sum # a recording rule's name\n+ 1 # and a comment with metric_name inside", {"job:up:sum"}),
    ("vector(1) + scalar(time())", set()),
    ("", set()),
])
def test_what_the_tokenizer_drops(expr: str, expected: set[str]) -> None:
    assert promql.metric_names(expr) == expected


@pytest.mark.parametrize("expr", ['up{job="node}', "up{job='node'", "rate(x[5m)", '"open'])
def test_an_unterminated_string_brace_or_bracket_is_an_error(expr: str) -> None:
    with pytest.raises(promql.PromQLError, match="unterminated"):
        promql.metric_names(expr)


def test_every_rule_of_the_platform_reads_a_metric_it_names() -> None:
    """Every alert's expression in the rendered rules file yields metrics, each written in the expression."""
    rules = alerts.rules(ROOT, {})
    assert len(rules) >= 40
    for rule in rules:
        names = promql.metric_names(rule["expr"])
        assert names, rule["alert"]
        assert all(name in rule["expr"] for name in names), (rule["alert"], names)
        assert not names & promql.KEYWORDS
