# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-wireguard: each tunnel's last handshake (nova.dgx.node_exporter's textfile) and its traffic."""

from __future__ import annotations

import typing as t

from grafana_foundation_sdk.models import dashboard as dm

from nova_dgx.dashboards.common import HOST, finish, new_dashboard, section, steps, table_panel, target, timeseries_panel

UID = "nova-wireguard"
AGE = f"time() - nova_wireguard_latest_handshake_timestamp_seconds{{{HOST}}}"
WG = f'device=~"wg.*", {HOST}'
# A handshake that never happened is the timestamp 0: an age of more than 30 years.
NEVER: list[dm.ValueMapping] = [
    dm.RangeMap(options=dm.DashboardRangeMapOptions(from_val=1e9, to=1e12, result=dm.ValueMappingResult(text="never", color="red"))),
]


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / WireGuard", "The WireGuard tunnels: handshakes and traffic.")
    dashboard = section(
        dashboard, "Handshakes",
        table_panel("Last handshake", "s", target(AGE, instant=True), w=10, h=8, mappings=NEVER,
                    thresholds=steps("green", (180, "orange"), (300, "red")),
                    description="Per interface and peer. A live tunnel shakes hands every 2 minutes: older than 3 minutes "
                                "is stale, 5 minutes is down (alert WireguardHandshakeStale)."),
        timeseries_panel("Handshake age", "s", target(f"{AGE} < 1e9", "{{host}} {{interface}} → {{peer}}"), w=14, h=8,
                         min_value=0, thresholds=steps("green", (180, "orange"), (300, "red"))),
    )
    dashboard = section(
        dashboard, "Traffic",
        timeseries_panel("Received", "Bps",
                         target(f"rate(node_network_receive_bytes_total{{{WG}}}[$__rate_interval])", "{{host}} {{device}}"),
                         w=12, min_value=0),
        timeseries_panel("Sent", "Bps",
                         target(f"rate(node_network_transmit_bytes_total{{{WG}}}[$__rate_interval])", "{{host}} {{device}}"),
                         w=12, min_value=0),
    )
    return finish(dashboard)
