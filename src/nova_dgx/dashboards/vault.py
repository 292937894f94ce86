# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-vault: the secrets server (OpenBao or Vault), scraped at /v1/sys/metrics?format=prometheus."""

from __future__ import annotations

import typing as t

from nova_dgx.dashboards.common import (HOST, finish, new_dashboard, section, stat_panel, steps, target, timeseries_panel,
                                        up_down)

UID = "nova-vault"


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / Vault", "OpenBao/Vault: seal state and the server process.")
    dashboard = section(
        dashboard, "State",
        stat_panel("Unsealed", "none", target(f"vault_core_unsealed{{{HOST}}}", "{{host}}"), w=8,
                   mappings=up_down("SEALED", "UNSEALED"),
                   description="0: sealed, no role can read a secret until it is unsealed (alert VaultSealed)."),
        stat_panel("Metrics endpoint", "none", target(f'up{{job="vault", {HOST}}}', "{{host}}"), w=8, mappings=up_down(),
                   description="Prometheus's scrape of the server; a sealed server may refuse it (alert VaultDown)."),
        stat_panel("TLS certificate expires in", "dtdurations",
                   target(f'probe_ssl_earliest_cert_expiry{{module="tls_platform", {HOST}}} - time()', "{{host}}"), w=8,
                   thresholds=steps("red", (3 * 86400, "orange"), (14 * 86400, "green")),
                   description="blackbox_exporter's probe of the listener, verified against the platform's CA "
                               "(alerts CertificateExpiringSoon at 14 days, CertificateExpiryImminent at 3)."),
    )
    dashboard = section(
        dashboard, "Process",
        timeseries_panel("Heap allocated", "bytes", target(f"vault_runtime_alloc_bytes{{{HOST}}}", "{{host}}"), w=24,
                         min_value=0, description="The Go runtime's allocated heap: a steady climb is a leak."),
    )
    return finish(dashboard)
