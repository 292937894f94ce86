"""Bad input to nova.dgx.backup fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import json

import pytest


CASES = [
    ({"backup_keep_count": 0}, "backup_keep_count must be a whole number from 1 to 3650, got int 0"),
    ({"backup_keep_days": 0}, "backup_keep_days must be a whole number from 1 to 3650, got int 0"),
    ({"backup_restic_repository": "ftp://backup.example.org/restic"},
     "backup_restic_repository has the unknown scheme 'ftp': use a path (/srv/restic or local:/srv/restic), sftp:USER@HOST:/PATH"
     " or s3:https://HOST/BUCKET, got str 'ftp://backup.example.org/restic'"),
    ({"backup_restic_repository": "restic"}, "backup_restic_repository must be a path (/srv/restic or local:/srv/restic)"),
    ({"backup_restic_sftp_host": "nas-01"}, "backup_restic_sftp_host nas-01 is not in the inventory"),
    ({"backup_restic_sftp_host": "target"}, "backup_restic_sftp_host is this host: an off-box copy must live on another host"),
    ({"backup_restic_sftp_host": "target", "backup_restic_repository": "/srv/restic"},
     "backup_restic_sftp_host and backup_restic_repository are both set"),
    ({"backup_drill_port": 5432},
     "backup_drill_port 5432 is the live server port (postgresql_port): the scratch instance must never be the live one;"
     " pick another port (default 5499)"),
    ({"postgresql_port": 5499}, "backup_drill_port 5499 is the live server port (postgresql_port)"),
    ({"backup_drill_dir": "/var/lib/postgresql/15/drill"}, "backup_drill_dir /var/lib/postgresql/15/drill is or holds live data"),
    ({"backup_drill_dir": "/var/backups/nova/drill"}, "backup_drill_dir /var/backups/nova/drill is or holds live data or the backups"),
    ({"backup_drill_dir": "drill"}, "backup_drill_dir must be an absolute path"),
    ({"backup_check_subset": "lots"}, "backup_check_subset must be a percentage above 0 and at most 100% such as 5%"),
    ({"backup_check_subset": "11/10"}, "backup_check_subset must be a percentage above 0"),
    ({"backup_restic_repository": "sftp:restic@nas:/srv/restic"}, "SFTP repositories go through backup_restic_sftp_host"),
    ({"backup_restic_repository": "s3:ftp://x/y"},
     "backup_restic_repository must be a path (/srv/restic or local:/srv/restic), sftp:USER@HOST:/PATH or s3:https://HOST/BUCKET,"
     " got str 's3:ftp://x/y'"),
    ({"backup_restic_repository": "s3:https://s3.example.net"}, "backup_restic_repository must be a path"),
    ({"backup_restic_s3_region": "eu west"},
     "backup_restic_s3_region must be a region name such as eu-west-1 (letters, digits, - _ and ., no spaces), or empty for the"
     " provider default, got \"eu west\""),
    ({"backup_restic_repository": "s3:https://s3.example.net/nova", "backup_restic_s3_secret_path": "nova/backup/s3"},
     "backup_restic_s3_secret_path 'nova/backup/s3' must be relative to the platform mount 'nova'"),
    ({"backup_restic_repository": "/var/backups/nova/restic"}, "backup_restic_repository is inside backup_dir"),
    ({"backup_dir": "/var/lib/postgresql/backups"}, "backup_dir /var/lib/postgresql/backups is a system or PostgreSQL directory"),
    ({"backup_drill_set": "latest"}, "backup_drill_set must name a set such as 20261205T013000Z, or be empty for the newest"),
    ({"backup_drill_from": "s3"}, "value of backup_drill_from must be one of: restic, local"),
    ({"postgresql_databases": [{"name": "my-db"}]}, "postgresql_databases[].name[0] must be an SQL identifier"),
]
# The cases that name the single target host run alone; the rest share one run (conftest.RoleBatch).
ALONE = [case for case in CASES if "target" in json.dumps(case[0])]
BATCH = [case for case in CASES if case not in ALONE]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_any_host_is_touched(run_role, role_batch, variables: dict, expected: str) -> None:
    if (variables, expected) in ALONE:
        run_role.failed_before_any_host(run_role("nova.dgx.backup", variables), expected)
    else:
        role_batch("nova.dgx.backup", BATCH).failed_before_any_host(variables, expected)


def test_a_drill_that_would_be_the_live_server_is_refused_before_any_host(run_role) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.backup", {"backup_drill_port": 5432}, tasks_from="drill"),
                                    "backup_drill_port 5432 is the live server port")


@pytest.mark.parametrize("repository", ["/srv/restic", "s3:https://s3.example.net:9000/nova-backups/db-01"])
def test_valid_input_passes_preflight_and_reaches_the_host(run_role, repository: str) -> None:
    variables = {"postgresql_databases": [{"name": "app"}], "backup_restic_repository": repository, "backup_restic_s3_region": "eu-west-1"}
    run_role.reached_the_host(run_role("nova.dgx.backup", variables), "Install restic and the tool's database driver")
