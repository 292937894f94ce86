# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-containers: cAdvisor's view of the Docker containers on each host (named ones only)."""

from __future__ import annotations

import typing as t

from nova_dgx.dashboards.common import (HOST, finish, new_dashboard, section, stat_panel, steps, table_panel, target,
                                        timeseries_panel)

UID = "nova-containers"
NAMED = f'name!="", {HOST}'  # containers, not cgroups (cAdvisor also reports slices and services)
CONTAINER = "{{host}} {{name}}"


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / Containers", "cAdvisor: the Docker containers of every host.")
    dashboard = section(
        dashboard, "Overview",
        stat_panel("Containers running", "none", target(f"count by (host) (container_last_seen{{{NAMED}}})", "{{host}}"),
                   w=8, h=6),
        table_panel("Restarts in the last hour", "none",
                    target(f"sum by (host, name) (changes(container_start_time_seconds{{{NAMED}}}[1h])) > 0", instant=True),
                    w=16, h=6, thresholds=steps("orange", (3, "red")),
                    description="Containers that started again in the last hour (alert ContainerRestartLoop: "
                                "3 starts within 15 minutes). Empty: no restarts."),
    )
    dashboard = section(
        dashboard, "Resources",
        timeseries_panel("CPU", "short",
                         target(f"sum by (host, name) (rate(container_cpu_usage_seconds_total{{{NAMED}}}[$__rate_interval]))",
                                CONTAINER),
                         w=12, min_value=0, description="CPU time per second: 1 is one core busy."),
        timeseries_panel("Memory working set", "bytes",
                         target(f"sum by (host, name) (container_memory_working_set_bytes{{{NAMED}}})", CONTAINER),
                         w=12, min_value=0,
                         description="What the kernel cannot reclaim: the figure the OOM killer and memory limits judge."),
    )
    return finish(dashboard)
