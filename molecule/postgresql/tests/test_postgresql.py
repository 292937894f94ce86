"""nova.dgx.postgresql on one database host, after converge and side_effect.yml (rotation, reload, restart)."""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import urllib.request

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("postgres")

OPENBAO = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "openbao")


def _secret(path: str, version: int | None = None) -> str:
    """A value from the scenario's dev server (test harness only: a throw-away in-memory server)."""
    url = f"{(OPENBAO / 'addr').read_text().strip()}/v1/secret/data/{path}" + (f"?version={version}" if version else "")
    request = urllib.request.Request(url, headers={"X-Vault-Token": (OPENBAO / "token").read_text().strip()})
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (loopback)
        return str(json.load(answer)["data"]["data"]["value"])


def _login(host, user: str, password: str, address: str, database: str = "app"):
    # The password reaches psql through the environment of a shell, not its argv.
    return host.run(f"export PGPASSWORD={shlex.quote(password)}; "
                    f"psql -XAtq -h {address} -U {user} -d {database} -c 'SELECT current_user'")


def _sql(host, query: str) -> str:
    with host.sudo():
        return host.check_output(f"runuser -u postgres -- psql -XAtq -d app -c {shlex.quote(query)}")


def test_the_rotated_password_logs_in_and_the_old_one_does_not(host) -> None:
    new, old = _secret("postgresql/app"), _secret("postgresql/app", version=1)
    assert new != old
    assert _login(host, "app", new, "10.99.0.13").stdout.strip() == "app"
    refused = _login(host, "app", old, "10.99.0.13")
    assert refused.rc != 0 and "password authentication failed" in refused.stderr


def test_pg_hba_refuses_a_network_it_does_not_list(host) -> None:
    refused = _login(host, "app", _secret("postgresql/app"), "192.168.77.13")
    assert refused.rc != 0
    assert 'no pg_hba.conf entry for host "192.168.77.13", user "app", database "app"' in refused.stderr


def test_every_stored_password_is_a_scram_verifier(host) -> None:
    kinds = _sql(host, "SELECT DISTINCT split_part(rolpassword, '$', 1) FROM pg_authid WHERE rolpassword IS NOT NULL")
    assert kinds.split() == ["SCRAM-SHA-256"]
    assert _sql(host, "SHOW password_encryption") == "scram-sha-256"
    methods = _sql(host, "SELECT DISTINCT auth_method FROM pg_hba_file_rules ORDER BY 1").split()
    assert methods == ["peer", "scram-sha-256"]


def test_roles_memberships_and_grants(host) -> None:
    assert _sql(host, "SELECT rolcanlogin, rolcreatedb FROM pg_roles WHERE rolname = 'app'") == "t|t"
    assert _sql(host, "SELECT rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = 'report'") == "t|5"
    assert _sql(host, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'readers'") == "f"
    assert _sql(host, "SELECT pg_has_role('report', 'readers', 'MEMBER')") == "t"
    assert _sql(host, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'") == "app"
    assert _sql(host, "SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'") == "pgcrypto"
    assert _sql(host, "SELECT has_database_privilege('report', 'app', 'CONNECT')") == "t"
    assert _sql(host, "SELECT has_schema_privilege('readers', 'public', 'USAGE')") == "t"


def test_listens_on_loopback_and_the_given_addresses_only(host) -> None:
    listening = {socket.split(":")[0] for socket in
                 host.check_output("ss -Hltn 'sport = :5432' | awk '{print $4}'").split()}
    assert listening == {"127.0.0.1", "10.99.0.13", "192.168.77.13"}


def test_settings_are_checked_files_and_the_memory_is_derived(host) -> None:
    conf = host.file("/etc/postgresql/15/main/conf.d/50-nova.conf")
    assert conf.user == "postgres" and conf.mode == 0o644
    assert "effective_cache_size = '768MB'" in conf.content_string
    assert _sql(host, "SHOW effective_cache_size") == "768MB"
    assert _sql(host, "SHOW shared_buffers") == "192MB"  # side_effect.yml's override, after a restart
    assert _sql(host, "SHOW data_checksums") == "on"
    assert _sql(host, "SELECT count(*) FROM pg_settings WHERE pending_restart") == "0"
    hba = host.file("/etc/postgresql/15/main/pg_hba.conf")
    assert hba.mode == 0o640 and "map=nova_admin" in hba.content_string


def test_exporter_reports_the_server_on_the_overlay_address(host) -> None:
    assert host.service("prometheus-postgres-exporter").is_running
    metrics = host.check_output("python3 -c \"import urllib.request as u; print(u.urlopen('http://10.99.0.13:9187/metrics').read().decode())\"")
    assert "\npg_up 1\n" in f"\n{metrics}\n"
    assert "127.0.0.1:9187" not in host.check_output("ss -Hltn")


def test_the_os_packages_take_security_updates(host) -> None:
    # Debian's PostgreSQL is not held (its minor releases are security fixes; the major is in the name).
    for name in ("postgresql-15", "python3-psycopg2", "prometheus-postgres-exporter"):
        assert host.check_output(f"dpkg --get-selections {name}").split()[1] == "install", name


def _backup_status(host) -> dict:
    with host.sudo():
        return json.loads(host.check_output("python3 /usr/local/libexec/nova-backup/nova_backup.py /etc/nova-backup/config.json status"))


def test_backups_are_complete_checksummed_sets_kept_by_count(host) -> None:
    status = _backup_status(host)
    assert 1 <= len(status["sets"]) <= 2  # backup_keep_count 2, and every set younger than 14 days is kept
    newest = f"/var/backups/nova/postgresql/{status['sets'][-1]}"
    with host.sudo():
        assert host.run(f"cd {newest} && sha256sum -c app.dump.sha256 globals.sql.sha256 app.manifest.json.sha256").rc == 0
        manifest = json.loads(host.check_output(f"cat {newest}/app.manifest.json"))
        assert host.file(f"{newest}/globals.sql").mode == 0o600
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["public.orders"] == 50000
    assert status["timers"]["nova-backup-postgresql.timer"] == {"ActiveState": "active", "UnitFileState": "enabled", "NeedDaemonReload": "no"}
    assert status["need_daemon_reload"] == []
    assert status["last_backup"]["ok"] and status["last_backup"]["restic_snapshot"]


def test_the_last_drill_restored_from_restic_and_matched(host) -> None:
    drill = _backup_status(host)["last_drill"]
    assert drill["ok"] and drill["source"] == "restic"
    assert [c["name"] for c in drill["checks"]] == ["restore drill app"] and drill["checks"][0]["ok"]
    # The scratch instance and its files are gone; the marker and the initdb template stay for the next drill.
    with host.sudo():
        assert sorted(host.check_output("ls -A /var/tmp/nova-drill").split()) == [".nova-drill", "template"]
        assert host.file("/var/tmp/nova-drill/template").mode == 0o700


def test_the_repository_password_comes_from_the_secrets_server(host) -> None:
    password = _secret("backup/restic/molecule-postgresql")
    with host.sudo():
        assert host.file("/etc/nova-backup/restic.pw").mode == 0o600
        assert host.file("/etc/nova-backup/restic.pw").content_string.strip() == password
        snapshots = json.loads(host.check_output("restic --no-cache -r /srv/restic-local --password-file /etc/nova-backup/restic.pw"
                                                 " snapshots --json"))
    assert snapshots and all(s["tags"] == ["postgresql"] and s["hostname"] == "molecule-postgresql" for s in snapshots)


def test_the_monitoring_layer_can_read_the_backup_status(host) -> None:
    prom = host.file("/var/lib/prometheus/node-exporter/nova_backup.prom").content_string
    assert 'nova_backup_last_run_ok{engine="postgresql"} 1' in prom
    assert 'nova_backup_drill_last_run_ok{engine="postgresql"} 1' in prom
    assert 'nova_backup_database_last_size_bytes{database="app",engine="postgresql"}' in prom


def test_the_journal_holds_each_run_and_the_plan() -> None:
    journal = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"], "build/journal/backups")
    runs = [json.loads(line) for line in (journal / "molecule-postgresql.jsonl").read_text().splitlines()]
    assert {r["kind"] for r in runs} >= {"backup"}
    plan = (journal / "backup_plan_default.md").read_text()
    assert "| molecule-postgresql | PostgreSQL | app and the globals |" in plan and "/srv/restic-local" in plan
    drills = sorted((journal / "drills").glob("*.md"))
    assert drills and "| molecule-postgresql |" in drills[-1].read_text()
