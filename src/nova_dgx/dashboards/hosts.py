# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-hosts: every host's node_exporter: up, CPU, memory, load, disks, network, clock, systemd."""

from __future__ import annotations

import typing as t

from nova_dgx.dashboards.common import (HOST, finish, new_dashboard, section, stat_panel, steps, table_panel, target,
                                        timeseries_panel, up_down)

UID = "nova-hosts"
# Filesystems that hold data, as the alert rules pick them (no tmpfs, container layers or snap images).
FS = f'fstype!~"tmpfs|overlay|squashfs", {HOST}'
# Physical and tunnel interfaces, not loopback or Docker's bridges and veth pairs.
NIC = f'device!~"lo|veth.*|docker.*|br-.*", {HOST}'


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / Hosts", "node_exporter on every host of the inventory.")
    dashboard = section(
        dashboard, "Overview",
        stat_panel("Up", "none", target(f'up{{job="node", {HOST}}}', "{{host}}"), w=8,
                   description="1 while Prometheus scrapes the host's node_exporter (alert HostDown).", mappings=up_down()),
        stat_panel("Failed systemd units", "none",
                   target(f'sum by (host) (node_systemd_unit_state{{state="failed", {HOST}}})', "{{host}}"), w=8,
                   thresholds=steps("green", (1, "red"))),
        table_panel("Failed units", "none", target(f'node_systemd_unit_state{{state="failed", {HOST}}} == 1', instant=True),
                    w=8, h=5, hidden=("Time", "__name__", "job", "instance", "state", "type", "Value")),
    )
    dashboard = section(
        dashboard, "CPU and memory",
        timeseries_panel("CPU busy", "percent",
                         target(f'100 * (1 - avg by (host) (rate(node_cpu_seconds_total{{mode="idle", {HOST}}}[$__rate_interval])))',
                                "{{host}}"),
                         w=8, min_value=0, max_value=100, thresholds=steps("green", (80, "orange"), (95, "red"))),
        timeseries_panel("Memory available", "percent",
                         target(f"100 * node_memory_MemAvailable_bytes{{{HOST}}} / node_memory_MemTotal_bytes{{{HOST}}}", "{{host}}"),
                         w=8, min_value=0, max_value=100, thresholds=steps("red", (3, "orange"), (10, "green")),
                         description="MemAvailable of MemTotal (alerts HostMemoryPressure below 10 %, HostMemoryExhausted "
                                     "below 3 %). On a DGX Spark this is the headroom of the GPU and the CPU together."),
        timeseries_panel("Load (1 min)", "short", target(f"node_load1{{{HOST}}}", "{{host}}"), w=8, min_value=0),
    )
    dashboard = section(
        dashboard, "Disks and network",
        timeseries_panel("Disk free", "percent",
                         target(f"100 * node_filesystem_avail_bytes{{{FS}}} / node_filesystem_size_bytes{{{FS}}}",
                                "{{host}} {{mountpoint}}"),
                         w=12, min_value=0, max_value=100, thresholds=steps("red", (10, "orange"), (40, "green")),
                         description="Free space per mount (alerts HostDiskAlmostFull below 10 %, HostDiskFilling "
                                     "below 40 % and falling)."),
        timeseries_panel("Network", "Bps",
                         target(f"rate(node_network_receive_bytes_total{{{NIC}}}[$__rate_interval])", "{{host}} {{device}} rx"),
                         target(f"rate(node_network_transmit_bytes_total{{{NIC}}}[$__rate_interval])", "{{host}} {{device}} tx"),
                         w=12, min_value=0),
    )
    dashboard = section(
        dashboard, "Time",
        timeseries_panel("Clock offset", "s", target(f"node_timex_offset_seconds{{{HOST}}}", "{{host}}"), w=24, h=7,
                         thresholds=steps("red", (-0.1, "green"), (0.1, "red")),
                         description="The kernel clock against its time source (alert HostClockSkew beyond ±0.1 s)."),
    )
    return finish(dashboard)
