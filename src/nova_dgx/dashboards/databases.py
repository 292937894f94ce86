# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova-databases: PostgreSQL and MongoDB, and the backups and restore drills of nova_backup.py.

MongoDB shows mongodb_up only: the lab's stand-in exporter (scripts/standin/mongodb_exporter) emits
no other metric that Percona's mongodb_exporter has, and every metric here must exist in the lab.
"""

from __future__ import annotations

import typing as t

from nova_dgx.dashboards.common import (HOST, finish, new_dashboard, section, stat_panel, steps, table_panel, target,
                                        timeseries_panel, up_down)

UID = "nova-databases"
DAY = 86400
DATABASES = f'datname!~"template0|template1", {HOST}'


def build() -> dict[str, t.Any]:
    dashboard = new_dashboard(UID, "nova.dgx / Databases", "PostgreSQL, MongoDB and their backups.")
    dashboard = section(
        dashboard, "PostgreSQL",
        stat_panel("PostgreSQL up", "none", target(f"pg_up{{{HOST}}}", "{{host}}"), w=4, h=8, mappings=up_down(),
                   description="postgres_exporter can connect to PostgreSQL (alert PostgresqlDown)."),
        timeseries_panel("Connections", "short",
                         target(f"sum by (host, datname) (pg_stat_database_numbackends{{{DATABASES}}})", "{{host}} {{datname}}"),
                         w=10, min_value=0),
        timeseries_panel("Database size", "bytes",
                         target(f"pg_database_size_bytes{{{DATABASES}}}", "{{host}} {{datname}}"), w=10, min_value=0),
    )
    dashboard = section(
        dashboard, "MongoDB",
        stat_panel("MongoDB up", "none", target(f"mongodb_up{{{HOST}}}", "{{host}}"), w=24, h=4, mappings=up_down(),
                   description="mongodb_exporter can reach mongod and log in (alert MongodbDown)."),
    )
    dashboard = section(
        dashboard, "Backups",
        stat_panel("Last backup", "s",
                   target(f"time() - nova_backup_last_success_timestamp_seconds{{{HOST}}}", "{{host}} {{engine}}"),
                   w=12, h=5, thresholds=steps("green", (DAY, "orange"), (26 * 3600, "red")),
                   description="Time since the last successful backup of each engine (alert BackupTooOld after 26 h)."),
        stat_panel("Last restore drill", "s",
                   target(f"time() - nova_backup_drill_last_success_timestamp_seconds{{{HOST}}}", "{{host}} {{engine}}"),
                   w=12, h=5, thresholds=steps("green", (31 * DAY, "orange"), (35 * DAY, "red")),
                   description="Time since the last successful restore drill (alert RestoreDrillTooOld after 35 days). "
                               "No value: never drilled."),
        table_panel("Last backup size", "bytes",
                    target(f"nova_backup_database_last_size_bytes{{{HOST}}}", instant=True), w=12,
                    description="The dump of each database in its last successful backup."),
        timeseries_panel("Backup duration", "s",
                         target(f"nova_backup_last_duration_seconds{{{HOST}}}", "{{host}} {{engine}}"), w=12, min_value=0,
                         stepped=True, description="How long the last backup run of each engine took."),
    )
    return finish(dashboard)
