# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-gpu: dcgm-exporter's GPU fields, and the GPU's memory as the host sees it (unified on a DGX Spark).

Left out on purpose: DCGM_FI_DEV_FB_* (framebuffer), DCGM_FI_DEV_MEM_COPY_UTIL, DCGM_FI_DEV_MEMORY_TEMP
and DCGM_FI_PROF_GR_ENGINE_ACTIVE are dead on a DGX Spark (GB10), and DCGM_FI_DEV_XID_ERRORS keeps
the last Xid forever; Xids are read from DCGM_EXP_XID_ERRORS_COUNT.
"""

from __future__ import annotations

import typing as t

from nova_dgx.dashboards.common import (HOST, finish, new_dashboard, section, stat_panel, steps, table_panel, target,
                                        text_panel, timeseries_panel)

UID = "nova-gpu"
GPU = "{{host}} GPU {{gpu}}"
# DCGM_FI_DEV_CLOCKS_EVENT_REASONS is a bit mask; the bits that explain a low clock (idle, bit 0, does not).
REASONS = (("SW power cap", 0x4), ("HW slowdown", 0x8), ("SW thermal", 0x40), ("HW thermal", 0x80), ("HW power brake", 0x100))
UNIFIED_MEMORY = """\
A DGX Spark (GB10) has no framebuffer of its own: the GPU allocates from the host's LPDDR5x, so
dcgm-exporter's `DCGM_FI_DEV_FB_*` fields are dead there. **GPU memory is the host's memory**:
*Unified memory available* is `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes` of each
host that runs dcgm-exporter, the headroom of GPU and CPU together (alerts HostMemoryPressure,
HostMemoryExhausted)."""


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / GPU", "dcgm-exporter on the GPU hosts; unified memory from node_exporter.")
    dashboard = section(
        dashboard, "Load",
        timeseries_panel("GPU utilisation", "percent", target(f"DCGM_FI_DEV_GPU_UTIL{{{HOST}}}", GPU), w=12,
                         min_value=0, max_value=100),
        timeseries_panel("SM clock", "rotmhz", target(f"DCGM_FI_DEV_SM_CLOCK{{{HOST}}}", GPU), w=12, min_value=0,
                         thresholds=steps("red", (800, "green")),
                         description="Below 800 MHz while busy with no throttle reason is the Spark's power wedge "
                                     "(alert GpuClockStuckLow; only an AC power cycle clears it)."),
    )
    dashboard = section(
        dashboard, "Temperature and power",
        timeseries_panel("GPU temperature", "celsius", target(f"DCGM_FI_DEV_GPU_TEMP{{{HOST}}}", GPU), w=8,
                         thresholds=steps("green", (85, "orange"), (92, "red")),
                         description="Alerts GpuTemperatureHigh above 85 °C, GpuTemperatureCritical above 92 °C."),
        timeseries_panel("Power draw", "watt", target(f"DCGM_FI_DEV_POWER_USAGE{{{HOST}}}", GPU), w=8, min_value=0),
        timeseries_panel("Energy rate", "watt",
                         target(f"rate(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{HOST}}}[$__rate_interval]) / 1000", GPU),
                         w=8, min_value=0,
                         description="The energy counter (mJ since boot) per second: the average power over each interval."),
    )
    dashboard = section(
        dashboard, "Throttling and errors",
        timeseries_panel("Clock event reasons", "none",
                         *(target(f"floor(DCGM_FI_DEV_CLOCKS_EVENT_REASONS{{{HOST}}} / {bit}) % 2", f"{GPU} {name}")
                           for name, bit in REASONS),
                         w=12, min_value=0, max_value=1, stepped=True,
                         description="1 while the bit of DCGM_FI_DEV_CLOCKS_EVENT_REASONS is set: why the clock is held down."),
        table_panel("Xid errors in the time range", "none",
                    target(f'max by (host, gpu, xid) (max_over_time(DCGM_EXP_XID_ERRORS_COUNT{{xid!="", {HOST}}}[$__range])) > 0',
                           instant=True),
                    w=12, thresholds=steps("orange"),
                    description="DCGM_EXP_XID_ERRORS_COUNT counts each Xid in dcgm-exporter's sliding window (5 min): "
                                "the largest count seen per GPU and Xid. Each new Xid is a new series, which increase() "
                                "cannot see, so the window's count is read directly (as the alerts GpuXidError and "
                                "GpuXidErrorCritical do). Empty: no Xid."),
    )
    dashboard = section(
        dashboard, "Memory (unified)",
        text_panel("GPU memory on a DGX Spark", UNIFIED_MEMORY, w=8, h=7),
        timeseries_panel("Unified memory available", "percent",
                         target(f"100 * node_memory_MemAvailable_bytes{{{HOST}}} / node_memory_MemTotal_bytes{{{HOST}}}"
                                ' and on (host) up{job="dcgm"}', "{{host}}"),
                         w=10, h=7, min_value=0, max_value=100, thresholds=steps("red", (3, "orange"), (10, "green"))),
        stat_panel("Unified memory total", "bytes",
                   target(f'node_memory_MemTotal_bytes{{{HOST}}} and on (host) up{{job="dcgm"}}', "{{host}}"), w=6, h=7),
    )
    return finish(dashboard)
