"""roles/backup/files/nova_backup.py against a real PostgreSQL 15 instance and a real restic repository.

The instance is private: initdb in a temporary directory, a socket there and no TCP listener,
trust authentication for its owner (postgres). scripts/setup-host installs postgresql-15 and restic.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
TOOL = ROOT / "roles/backup/files/nova_backup.py"
BIN = pathlib.Path("/usr/lib/postgresql/15/bin")

# The tests that need the private server; retention and compare run anywhere.
needs_server = pytest.mark.skipif(os.geteuid() != 0 or not (BIN / "initdb").exists() or not shutil.which("restic"),
                                  reason="needs root, PostgreSQL 15 and restic (scripts/setup-host installs them)")


def _load() -> t.Any:
    spec = importlib.util.spec_from_file_location("nova_backup", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nova_backup = _load()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _psql(base: pathlib.Path, port: int, sql: str, database: str = "app") -> str:
    return subprocess.run([str(BIN / "psql"), "-XAtq", "-v", "ON_ERROR_STOP=1", "-h", str(base), "-p", str(port), "-U", "postgres",
                           "-d", database, "-c", sql], capture_output=True, text=True, check=True).stdout.strip()


@contextlib.contextmanager
def _locked_table(server: dict[str, t.Any], table: str) -> t.Iterator[None]:
    """A session holding ACCESS EXCLUSIVE on ``table`` until the block ends (then rolled back)."""
    holder = subprocess.Popen([str(BIN / "psql"), "-XAtq", "-h", str(server["sock"]), "-p", str(server["port"]), "-U", "postgres",
                               "-d", "app"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write(f"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "locked"
    try:
        yield
    finally:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait()


@pytest.fixture(scope="module")
def server() -> t.Iterator[dict[str, t.Any]]:
    base = pathlib.Path(tempfile.mkdtemp(prefix="nova-backup-test-"))
    base.chmod(0o755)
    shutil.chown(base, "postgres")
    data, sock = base / "data", base / "socket"
    sock.mkdir()
    shutil.chown(sock, "postgres")
    subprocess.run(["runuser", "-u", "postgres", "--", str(BIN / "initdb"), "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C.UTF-8", "-D", str(data)], capture_output=True, check=True)
    port = _free_port()
    process = subprocess.Popen(["runuser", "-u", "postgres", "--", str(BIN / "postgres"), "-D", str(data), "-c", f"port={port}",
                                "-c", "listen_addresses=", "-c", f"unix_socket_directories={sock}", "-c", "fsync=off"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _attempt in range(100):
        if subprocess.run([str(BIN / "pg_isready"), "-q", "-h", str(sock), "-p", str(port)], check=False).returncode == 0:
            break
        time.sleep(0.1)
    _psql(sock, port, "CREATE DATABASE app", "postgres")
    _psql(sock, port, """
        CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), placed timestamptz);
        INSERT INTO orders (customer, amount, placed)
          SELECT 'customer ' || g, g * 1.25, timestamptz '2026-01-01 00:00+00' + g * interval '1 minute' FROM generate_series(1, 20000) g;
        CREATE TABLE items (id int PRIMARY KEY, attrs jsonb, doc json, spot point);
        INSERT INTO items SELECT g, jsonb_build_object('n', g), json_build_object('n', g), point(g, g) FROM generate_series(1, 500) g;
        CREATE SCHEMA audit;
        CREATE TABLE audit.events (at timestamptz, what text);
        -- A parent's rows include its child's, whose data pg_restore loads after the parent's.
        CREATE TABLE audit.base (n int);
        CREATE TABLE audit.child (extra text) INHERITS (audit.base);
        INSERT INTO audit.base VALUES (1);
        INSERT INTO audit.child VALUES (2, 'two');
        SELECT lo_from_bytea(0, '\\x6e6f7661'::bytea);
    """)
    yield {"base": base, "sock": sock, "port": port, "data": data}
    os.kill(process.pid, signal.SIGINT) if process.poll() is None else None
    subprocess.run(["pkill", "-INT", "-f", f"postgres -D {data}"], check=False)
    process.wait(timeout=30)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def config(server: dict[str, t.Any], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[dict[str, t.Any]]:
    base = server["base"]
    work = pathlib.Path(tempfile.mkdtemp(prefix="work-", dir=base))
    work.chmod(0o755)  # the scratch instance's owner (postgres) reaches its directory, as under /var/tmp
    monkeypatch.setenv("NOVA_BACKUP_LOCK_DIR", str(work / "locks"))
    (work / "restic.pw").write_text("correct horse battery staple\n")
    raw = {"host": "db-test", "site": "unit", "backup_dir": str(work / "backups"), "keep_count": 2, "keep_days": 1,
           "status_file": str(work / "status/nova_backup.prom"), "runs_file": str(work / "runs.jsonl"),
           "postgresql": {"bin": str(BIN), "socket": str(server["sock"]), "port": server["port"], "databases": ["app"],
                          "data_dir": str(server["data"])},
           "drill": {"port": _free_port(), "dir": str(work / "drill")},
           "restic": {"repository": str(work / "restic"), "password_file": str(work / "restic.pw"), "check_subset": "50%"}}
    path = work / "config.json"
    path.write_text(json.dumps(raw))
    loaded = nova_backup.load_config(str(path))
    loaded["_path"] = str(path)
    yield loaded
    shutil.rmtree(work, ignore_errors=True)


def _tool(config: dict[str, t.Any], *args: str) -> tuple[int, dict[str, t.Any]]:
    done = subprocess.run([sys.executable, str(TOOL), config["_path"], *args], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PATH=f"{pathlib.Path(sys.executable).parent}:{os.environ['PATH']}"))
    return done.returncode, json.loads(done.stdout)


@needs_server
def test_a_backup_is_a_complete_set_with_checksums_manifests_and_status(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    assert nova_backup.restic_init(config) == {"changed": True, "repository": config["restic"]["repository"]}
    assert nova_backup.restic_init(config)["changed"] is False
    rc, result = _tool(config, "backup", "postgresql")
    assert rc == 0 and result["ok"], result
    set_dir = pathlib.Path(result["path"])
    listing = json.loads((set_dir / "SET.json").read_text())
    assert sorted(listing["files"]) == ["app.dump", "app.manifest.json", "globals.sql"]
    for name, meta in listing["files"].items():
        assert (set_dir / f"{name}.sha256").read_text() == f"{meta['sha256']}  {name}\n"
        check = subprocess.run(["sha256sum", "-c", f"{name}.sha256"], cwd=set_dir, capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout
    assert oct((set_dir / "globals.sql").stat().st_mode & 0o777) == "0o600"
    manifest = json.loads((set_dir / "app.manifest.json").read_text())
    tables = {entry["name"]: entry for entry in manifest["tables"]}
    assert tables["public.orders"]["rows"] == 20000 and tables["public.orders"]["method"] == "columns"
    assert tables["public.items"]["method"] == "columns"  # json and point have no extended hash: those two columns as text
    assert tables["audit.events"]["rows"] == 0
    assert manifest["sequences"] == [{"name": "public.orders_id_seq", "last_value": 20000, "is_called": True}]
    assert manifest["large_objects"]["pages"] == 1
    status = pathlib.Path(config["status_file"]).read_text()
    assert 'nova_backup_last_run_ok{engine="postgresql"} 1' in status
    assert 'nova_backup_database_last_size_bytes{database="app",engine="postgresql"}' in status
    runs = [json.loads(line) for line in pathlib.Path(config["runs_file"]).read_text().splitlines()]
    assert runs[-1]["ok"] and runs[-1]["set"] == set_dir.name and runs[-1]["restic_snapshot"]


@needs_server
def test_the_drill_restores_from_restic_and_matches_the_manifest(config: dict[str, t.Any]) -> None:
    nova_backup.restic_init(config)
    assert _tool(config, "backup", "postgresql")[1]["ok"]
    rc, result = _tool(config, "drill", "postgresql", "--from", "restic")
    assert rc == 0 and result["ok"], result
    assert result["source"] == "restic" and [d["database"] for d in result["databases"]] == ["app"]
    assert result["databases"][0]["problems"] == []
    # A sound set restores in one transaction (no early hashes there: nothing is visible before the commit).
    assert result["databases"][0]["restore_mode"] == "one transaction" and "hashed_while_restoring" not in result["databases"][0]
    # The scratch instance and its files are gone; the marker and the initdb template stay for the next drill.
    drill_dir = pathlib.Path(config["drill"]["dir"])
    assert sorted(p.name for p in drill_dir.iterdir()) == [".nova-drill", "template"]
    made = (drill_dir / "template" / "data" / "PG_VERSION").stat().st_mtime_ns
    rc, again = _tool(config, "drill", "postgresql", "--from", "local")
    assert rc == 0 and again["ok"], again
    assert (drill_dir / "template" / "data" / "PG_VERSION").stat().st_mtime_ns == made  # copied, not made again
    # A template from another server version (or options) is made again, never used.
    stamp = drill_dir / "template" / "stamp"
    stamp.write_text(stamp.read_text().replace("PostgreSQL", "PostgreSQL 9.6 of an older package"))
    rc, again = _tool(config, "drill", "postgresql", "--from", "local")
    assert rc == 0 and again["ok"], again
    assert (drill_dir / "template" / "data" / "PG_VERSION").stat().st_mtime_ns != made
    assert "9.6" not in stamp.read_text() and not (drill_dir / "template.new").exists()
    assert 'nova_backup_drill_last_run_ok{engine="postgresql"} 1' in pathlib.Path(config["status_file"]).read_text()


@needs_server
def test_a_set_from_before_the_columns_hash_is_drilled_with_its_own_method(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    """Sets made before the ``columns`` method name ``record`` (and ``text``) in their manifests: the drill hashes
    each table as its manifest was made, so those sets still prove themselves, and a changed row still fails them."""
    config.pop("restic")
    set_dir = pathlib.Path(nova_backup.run_backup(config, "postgresql")["path"])
    manifest = json.loads((set_dir / "app.manifest.json").read_text())
    old = {"record": "hash_record_extended(t, 0)", "text": "hashtextextended(t::text, 0)"}
    for entry in manifest["tables"]:
        entry["method"] = "text" if entry["name"] == "public.items" else "record"
        schema, table = entry["name"].split(".", 1)
        entry["hash"] = _psql(server["sock"], server["port"], f'SELECT coalesce(sum({old[entry["method"]]}), 0) FROM "{schema}"."{table}" t')
    # The same hash as a record, so a drill that used the columns method for these tables would fail.
    recorded = json.loads((set_dir / "app.manifest.json").read_text())["tables"]
    assert {e["name"]: e["hash"] for e in manifest["tables"]} != {e["name"]: e["hash"] for e in recorded}

    def rewrite(content: dict[str, t.Any]) -> None:
        (set_dir / "app.manifest.json").write_text(json.dumps(content))
        listing = json.loads((set_dir / "SET.json").read_text())
        listing["files"]["app.manifest.json"] = {"sha256": nova_backup.sha256_file(set_dir / "app.manifest.json"),
                                                 "bytes": (set_dir / "app.manifest.json").stat().st_size}
        (set_dir / "SET.json").write_text(json.dumps(listing))
        (set_dir / "app.manifest.json.sha256").write_text(f"{listing['files']['app.manifest.json']['sha256']}  app.manifest.json\n")

    rewrite(manifest)
    drilled = nova_backup.run_drill(config, "postgresql", set_dir.name, "local")
    assert drilled["ok"], drilled
    orders = next(e for e in manifest["tables"] if e["name"] == "public.orders")
    orders["hash"] = str(int(orders["hash"]) + 1)
    rewrite(manifest)
    drilled = nova_backup.run_drill(config, "postgresql", set_dir.name, "local")
    assert drilled["databases"][0]["problems"] == [
        f"app: table public.orders: content hash differs from the manifest of set {set_dir.name} (rows equal: 20000)"]


@needs_server
def test_the_columns_hash_tells_which_column_holds_a_value_and_null_from_empty(server: dict[str, t.Any]) -> None:
    """The row hash seeds each column with its position: two columns that swap values, or a NULL that becomes
    an empty string, change the table's hash; so does a varchar (hashed through text's function) that changes."""
    _psql(server["sock"], server["port"], "CREATE TABLE hashed (a text, b text, c varchar(8), d timestamptz, e int[])")
    conn = nova_backup.connect({"socket": str(server["sock"]), "port": server["port"], "user": "postgres"}, "app")
    try:
        def digest(values: str) -> str:
            _psql(server["sock"], server["port"], f"TRUNCATE hashed; INSERT INTO hashed VALUES {values}")
            with conn.cursor() as cur:
                entry = nova_backup.table_hash(cur, "public", "hashed")
            conn.rollback()
            assert entry["method"] == "columns" and entry["rows"] == 2, entry
            return str(entry["hash"])

        base = digest("('x', 'y', 'v', '2026-01-01 00:00+00', '{1,2}'), (NULL, 'z', NULL, NULL, NULL)")
        assert digest("('x', 'y', 'v', '2026-01-01 00:00+00', '{1,2}'), (NULL, 'z', NULL, NULL, NULL)") == base
        assert digest("('y', 'x', 'v', '2026-01-01 00:00+00', '{1,2}'), (NULL, 'z', NULL, NULL, NULL)") != base
        assert digest("('x', 'y', 'v', '2026-01-01 00:00+00', '{1,2}'), ('', 'z', NULL, NULL, NULL)") != base
        assert digest("('x', 'y', 'w', '2026-01-01 00:00+00', '{1,2}'), (NULL, 'z', NULL, NULL, NULL)") != base
        assert digest("('x', 'y', 'v', '2026-01-01 00:00:01+00', '{1,2}'), (NULL, 'z', NULL, NULL, NULL)") != base
        assert digest("('x', 'y', 'v', '2026-01-01 00:00+00', '{2,1}'), (NULL, 'z', NULL, NULL, NULL)") != base
    finally:
        conn.close()
        _psql(server["sock"], server["port"], "DROP TABLE hashed")


@needs_server
def test_a_set_that_fails_in_one_transaction_is_restored_again_table_by_table(config: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch) -> None:
    config.pop("restic")
    assert nova_backup.run_backup(config, "postgresql")["ok"]
    real = nova_backup.restore_in_one_transaction

    def fails_after_loading(scratch_pg: dict[str, t.Any], dump: pathlib.Path, database: str, check: t.Any = None) -> tuple[int, str]:
        assert real(scratch_pg, dump, database, check) == (0, "")  # loaded, then reported failed: the retry must start from nothing
        return 1, "pg_restore: error: planted by the test"

    monkeypatch.setattr(nova_backup, "restore_in_one_transaction", fails_after_loading)
    drilled = nova_backup.run_drill(config, "postgresql", None, "local")
    assert drilled["ok"], drilled
    item = drilled["databases"][0]
    assert item["restore_mode"] == "table by table, largest first"
    assert "planted by the test" in item["restore_mode_reason"]
    # Every plain table was hashed while pg_restore went on (the parent audit.base only at the end).
    assert item["hashed_while_restoring"] == 4, item


@needs_server
def test_a_truncated_dump_fails_the_drill_naming_the_database_and_the_table(config: dict[str, t.Any]) -> None:
    config.pop("restic")
    result = nova_backup.run_backup(config, "postgresql")
    dump = pathlib.Path(result["path"], "app.dump")
    dump.write_bytes(dump.read_bytes()[: int(dump.stat().st_size * 0.4)])
    drilled = nova_backup.run_drill(config, "postgresql", None, "local")
    assert drilled["ok"] is False
    problems = drilled["problems"] + drilled["databases"][0]["problems"]
    assert any("app.dump does not match its SHA-256" in line for line in problems), problems
    assert any(line.startswith("app: table public.") and "rows restored" in line for line in problems), problems
    assert drilled["databases"][0]["restore_mode"].startswith("table by table")  # a damaged dump goes straight there


@needs_server
@pytest.mark.parametrize("verdict", ["before the restore", "while pg_restore -1 runs", "after pg_restore -1 ended"])
def test_a_dump_found_damaged_while_it_restores_is_restored_again_table_by_table(
        config: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch, verdict: str) -> None:
    # The dump itself restores: only its SHA-256 in SET.json differs. The one-transaction restore starts
    # before that is known (the verdict is held back here, as a large dump's comes late); once it is
    # known, the drill must stop that restore or not trust what it loaded.
    config.pop("restic")
    set_dir = pathlib.Path(nova_backup.run_backup(config, "postgresql")["path"])
    listing = json.loads((set_dir / "SET.json").read_text())
    listing["files"]["app.dump"]["sha256"] = "0" * 64
    (set_dir / "SET.json").write_text(json.dumps(listing))
    restores: list[subprocess.Popen[str]] = []
    one_transaction = threading.Event()
    real_popen, real_problem = subprocess.Popen, nova_backup.file_problem

    class Recorded(real_popen):  # type: ignore[misc,valid-type]  # subprocess.Popen, noting the one-transaction restore
        def __init__(self, args: t.Any, *rest: t.Any, **options: t.Any) -> None:
            super().__init__(args, *rest, **options)
            if isinstance(args, list) and str(args[0]).endswith("pg_restore") and "-1" in args:
                restores.append(self)
                one_transaction.set()

    def held(set_dir: pathlib.Path, name: str, meta: dict[str, t.Any]) -> str:
        if name.endswith(".dump") and verdict != "before the restore":
            assert one_transaction.wait(60)
            if verdict == "after pg_restore -1 ended":
                restores[0].wait(60)
        return str(real_problem(set_dir, name, meta))

    monkeypatch.setattr(nova_backup.subprocess, "Popen", Recorded)
    monkeypatch.setattr(nova_backup, "file_problem", held)
    drilled = nova_backup.run_drill(config, "postgresql", None, "local")
    assert drilled["ok"] is False
    assert [line for line in drilled["problems"] if "app.dump does not match its SHA-256 in SET.json" in line], drilled["problems"]
    item = drilled["databases"][0]
    assert item["restore_mode"].startswith("table by table"), item
    assert item["problems"] == ["app: app.dump does not match its SHA-256 (the restore goes on to name the damaged tables)"], item
    if verdict == "while pg_restore -1 runs":
        assert len(restores) == 1 and restores[0].returncode != 0  # stopped before it could end
    if verdict == "after pg_restore -1 ended":
        assert len(restores) == 1 and restores[0].returncode == 0  # it loaded everything, and was not trusted
    assert sorted(path.name for path in pathlib.Path(config["drill"]["dir"]).iterdir()) == [".nova-drill", "template"]


@pytest.mark.parametrize("sound", [False, True])
def test_the_set_check_names_small_files_at_once_and_a_damaged_dump_stops_its_restore(tmp_path: pathlib.Path, sound: bool) -> None:
    dump = os.urandom(1 << 20) * 64
    (tmp_path / "app.manifest.json").write_text("{}")
    (tmp_path / "app.dump").write_bytes(dump)
    (tmp_path / "SET.json").write_text(json.dumps({"databases": ["app"], "files": {
        "app.manifest.json": {"sha256": "0" * 64, "bytes": 2},
        "app.dump": {"sha256": hashlib.sha256(dump).hexdigest() if sound else "1" * 64, "bytes": len(dump)},
        "globals.sql": {"sha256": "2" * 64, "bytes": 0}}}))
    problems: list[str] = []
    check = nova_backup.SetCheck(tmp_path, problems)
    try:
        # The small files are judged before the constructor returns; the dump's verdict when asked for.
        assert any("app.manifest.json does not match" in line for line in problems), problems
        assert any("globals.sql is missing" in line for line in problems), problems
        assert check.known_damaged("globals.sql")
        with subprocess.Popen(["sleep", "60"]) as restore:
            try:
                check.watch("app.dump", restore)
                assert check.damaged("app.dump") is not sound
                if sound:
                    time.sleep(0.5)
                    assert restore.poll() is None  # a sound dump's restore goes on
                else:
                    assert restore.wait(timeout=30) == -signal.SIGTERM
            finally:
                restore.kill()
        check.settle()
        assert len([line for line in problems if "app.dump does not match" in line]) == (0 if sound else 1), problems
    finally:
        check.close()


@needs_server
def test_a_row_changed_after_the_dump_fails_the_drill_on_the_content_hash(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    config.pop("restic")
    result = nova_backup.run_backup(config, "postgresql")
    set_dir = pathlib.Path(result["path"])
    # Plant it: the live row changes, a new dump replaces the set's, and its checksums are rewritten,
    # so only the manifest taken at dump time can tell.
    _psql(server["sock"], server["port"], "UPDATE orders SET amount = amount + 1 WHERE id = 4242")
    try:
        subprocess.run([str(BIN / "pg_dump"), "-Fc", "-h", str(server["sock"]), "-p", str(server["port"]), "-U", "postgres",
                        "-f", str(set_dir / "app.dump"), "app"], check=True)
        listing = json.loads((set_dir / "SET.json").read_text())
        listing["files"]["app.dump"] = {"sha256": nova_backup.sha256_file(set_dir / "app.dump"), "bytes": (set_dir / "app.dump").stat().st_size}
        (set_dir / "SET.json").write_text(json.dumps(listing))
        drilled = nova_backup.run_drill(config, "postgresql", set_dir.name, "local")
    finally:
        _psql(server["sock"], server["port"], "UPDATE orders SET amount = amount - 1 WHERE id = 4242")
    assert drilled["ok"] is False and drilled["problems"] == []
    assert drilled["databases"][0]["problems"] == [
        f"app: table public.orders: content hash differs from the manifest of set {set_dir.name} (rows equal: 20000)"]


def test_the_drill_hands_a_table_over_only_once_pg_restore_has_moved_past_its_data(tmp_path: pathlib.Path) -> None:
    lines = ['pg_restore: creating TABLE "public.a"', 'pg_restore: processing data for table "public.a"',
             "pg_restore: NOTICE:  something the server said during the COPY",
             'pg_restore: processing data for table "odd.name with ""quotes"""',
             "pg_restore: from TOC entry 3347; 0 16392 TABLE DATA x postgres",
             'pg_restore: error: COPY failed for table "x": ERROR:  boom',
             'pg_restore: creating CONSTRAINT "public.a a_pkey"',
             'pg_restore: processing data for table "public.last"']
    script = tmp_path / "fake_restore.py"
    script.write_text("import sys, time\n"
                      f"for line in {lines!r}:\n"
                      "    print(line, file=sys.stderr, flush=True)\n"
                      "    time.sleep(0.02)\n"
                      "sys.exit(1)\n")
    seen: list[tuple[str, int]] = []

    class Recorder:
        def loaded(self, qualified: str) -> None:
            seen.append((qualified, len(seen)))

    returncode, stderr = nova_backup.restore_hashing([sys.executable, str(script)], Recorder())
    assert returncode == 1 and stderr == lines
    # a: not at the server's notice, only at the next entry; the odd name when the constraint starts;
    # the last table is left to finish(), which hashes it after the restore.
    assert [name for name, _order in seen] == ["public.a", 'odd.name with ""quotes""']


LISTING = """;
; Archive created at 2026-12-06 05:46:15 UTC
;
215; 1259 16392 TABLE public items postgres
214; 1259 16385 TABLE public orders postgres
216; 1259 16400 TABLE public order items postgres
3347; 0 16392 TABLE DATA public items postgres
3346; 0 16385 TABLE DATA public orders postgres
3348; 0 16400 TABLE DATA public order items postgres
3350; 0 0 SEQUENCE SET public orders_id_seq postgres
3203; 2606 16398 CONSTRAINT public items items_pkey postgres
3201; 2606 16391 CONSTRAINT public orders orders_pkey postgres
3204; 2606 16401 CONSTRAINT public order items order items_pkey postgres
3210; 1259 16410 INDEX public orders_placed postgres
3220; 2606 16420 FK CONSTRAINT public items items_order_fkey postgres
"""


def test_the_restore_order_loads_the_largest_table_first_and_keeps_every_other_entry_in_place() -> None:
    tables = [{"name": "public.items", "rows": 10}, {"name": "public.orders", "rows": 5000}, {"name": "public.order items", "rows": 700}]
    order = nova_backup.restore_order(LISTING, tables)
    assert order is not None
    entries = [line.split(";")[0] for line in order.splitlines()]
    # Data and constraints both go orders, "order items", items; the tables, the sequence, the index
    # and the foreign key stay where pg_dump put them; nothing is dropped (-L restores only what it lists).
    assert entries == ["215", "214", "216", "3346", "3348", "3347", "3350", "3201", "3204", "3203", "3210", "3220"]
    # Already in that order: no list is needed.
    assert nova_backup.restore_order(LISTING, [{"name": "public.items", "rows": 9}, {"name": "public.orders", "rows": 5},
                                               {"name": "public.order items", "rows": 1}]) is None
    # A data entry that names no manifest table (or two) keeps the archive's order rather than guessing.
    assert nova_backup.restore_order(LISTING, tables[:2]) is None
    assert nova_backup.restore_order(LISTING, [*tables, {"name": "public.order", "rows": 1}]) is None


@needs_server
def test_a_backup_killed_mid_dump_leaves_no_set_and_the_next_run_cleans_up(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    config.pop("restic")
    pathlib.Path(config["_path"]).write_text(json.dumps({k: v for k, v in config.items() if k != "_path"}))
    engine_dir = pathlib.Path(config["backup_dir"], "postgresql")
    # A session holding an exclusive lock makes pg_dump (and the hash) wait inside the run.
    with _locked_table(server, "orders"):
        run = subprocess.Popen([sys.executable, str(TOOL), config["_path"], "backup", "postgresql"], stdout=subprocess.DEVNULL,
                               start_new_session=True)
        for _attempt in range(100):
            if list(engine_dir.glob("*.part/app.dump")):
                break
            time.sleep(0.1)
        assert list(engine_dir.glob("*.part/app.dump")), "the run never started its dump"
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert nova_backup.complete_sets(engine_dir) == []  # the half-written set does not count
    assert [p.name.endswith(".part") for p in engine_dir.iterdir()] == [True]
    time.sleep(1)  # the next set gets a later name
    result = nova_backup.run_backup(config, "postgresql")
    assert result["ok"] and len(result["removed"]) == 1 and result["removed"][0].endswith(".part")
    assert [p.name for p in engine_dir.iterdir()] == [result["set"]]


def test_retention_keeps_the_newest_count_and_anything_younger_than_the_age(tmp_path: pathlib.Path) -> None:
    now = nova_backup.utc_now().replace(microsecond=0)
    names = []
    for days in (30, 20, 10, 0.5, 0.1):
        name = nova_backup.stamp(now - nova_backup.dt.timedelta(days=days))
        (tmp_path / name).mkdir()
        (tmp_path / name / "SET.json").write_text("{}")
        names.append(name)
    (tmp_path / "20200101T000000Z.part").mkdir()
    removed = nova_backup.retention(tmp_path, 2, 14, now)
    assert removed == names[:2]  # 30 and 20 days: older than 14 days and not among the newest two
    assert [p.name for p in nova_backup.complete_sets(tmp_path)] == names[2:]


@needs_server
def test_the_drill_refuses_to_be_the_live_server(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    config["drill"]["port"] = server["port"]
    config["drill"]["dir"] = str(server["data"] / "drill")
    problems = nova_backup.drill_refusals(config)
    assert problems[0].startswith(f"the drill port {server['port']} is the live server's port (postgresql_port)")
    assert f"the drill directory {server['data'] / 'drill'} is inside {server['data']}" in problems[1]
    drilled = nova_backup.run_drill(config, "postgresql", None, "local")
    assert drilled["ok"] is False and "is the live server's port" in drilled["error"]
    assert not (server["data"] / "drill").exists()


def test_compare_names_missing_extra_and_changed_tables() -> None:
    manifest = {"tables": [{"name": "public.a", "rows": 2, "hash": "1"}, {"name": "public.b", "rows": 3, "hash": "2"},
                           {"name": "public.c", "rows": 1, "hash": "3"}],
                "sequences": [], "large_objects": {"pages": 0, "hash": "0"}}
    found = {"tables": [{"name": "public.a", "rows": 2, "hash": "9"}, {"name": "public.c", "rows": 0, "hash": "0"},
                        {"name": "public.d", "rows": 1, "hash": "4"}],
             "sequences": [], "large_objects": {"pages": 0, "hash": "0"}}
    assert nova_backup.compare(manifest, found) == [
        "table public.a: content hash differs from the manifest (rows equal: 2)",
        "table public.b: missing after the restore (3 rows in the manifest)",
        "table public.c: 0 rows restored, 1 in the manifest",
        "table public.d: restored but not in the manifest",
    ]


@needs_server
def test_the_manifest_sees_the_dump_snapshot_while_the_application_writes(config: dict[str, t.Any], server: dict[str, t.Any]) -> None:
    # A lock on the first table in manifest order holds the hashing session (and pg_dump) after the
    # snapshot was exported; rows committed meanwhile must be in neither the dump nor the manifest.
    config.pop("restic")
    outcome: dict[str, t.Any] = {}
    worker = threading.Thread(target=lambda: outcome.update(nova_backup.run_backup(config, "postgresql")))
    try:
        with _locked_table(server, "audit.events"):
            worker.start()
            for _attempt in range(100):
                if _psql(server["sock"], server["port"], "SELECT count(*) FROM pg_locks WHERE NOT granted") != "0":
                    break
                time.sleep(0.1)
            _psql(server["sock"], server["port"], "INSERT INTO orders (customer) SELECT 'late ' || g FROM generate_series(1, 7) g")
    finally:
        worker.join(timeout=120)
    try:
        assert outcome["ok"], outcome
        manifest = json.loads(pathlib.Path(outcome["path"], "app.manifest.json").read_text())
        assert {t["name"]: t["rows"] for t in manifest["tables"]}["public.orders"] == 20000
        drilled = nova_backup.run_drill(config, "postgresql", None, "local")
        assert drilled["ok"], drilled
    finally:
        _psql(server["sock"], server["port"], "DELETE FROM orders WHERE customer LIKE 'late %'")


@needs_server
def test_restic_forget_keeps_the_same_sets_as_the_host(config: dict[str, t.Any], tmp_path: pathlib.Path) -> None:
    nova_backup.restic_init(config)
    assert nova_backup.run_backup(config, "postgresql")["ok"]
    old = tmp_path / "old"
    for day in ("2026-01-01 00:00:00", "2026-01-02 00:00:00"):  # two sets from long ago, each with its own path
        (old / day[:10]).mkdir(parents=True)
        (old / day[:10] / "x").write_text(day)
        nova_backup.restic(config, "backup", "--tag", "postgresql", "--host", "db-test", "--time", day, str(old / day[:10]))
    result = nova_backup.restic_check(config)
    # keep_count 2, keep_days 1: the new set and the newer old one are the newest two; the oldest goes.
    # Grouped by path (restic's default) every snapshot would be alone in its group and kept.
    assert len(result["forgotten"]) == 1, result
    listed = sorted(json.loads(nova_backup.restic(config, "snapshots", "--json").stdout), key=lambda s: s["time"])
    assert [s["time"][:10] for s in listed][0] == "2026-01-02" and len(listed) == 2


@needs_server
def test_a_scheduled_backup_waits_for_a_drill_and_a_drill_does_not_wait(config: dict[str, t.Any]) -> None:
    import fcntl  # pylint: disable=import-outside-toplevel

    config.pop("restic")
    lock = pathlib.Path(os.environ["NOVA_BACKUP_LOCK_DIR"], "postgresql.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        drilled = nova_backup.run_drill(config, "postgresql", None, "local")
        assert drilled["ok"] is False and drilled["error"].startswith("another postgresql backup, drill or check runs")
        config["lock_wait_seconds"] = 2
        started = time.monotonic()
        waited = nova_backup.run_backup(config, "postgresql")
        assert waited["ok"] is False and "waited 2 s" in waited["error"] and time.monotonic() - started >= 2
    assert nova_backup.run_backup(config, "postgresql")["ok"]


@needs_server
def test_status_calls_the_repository_ready_only_for_the_url_and_password_it_opened_with(config: dict[str, t.Any]) -> None:
    # The role skips `restic-init` (an SFTP round trip) on a converged host when status says ready.
    assert nova_backup.status(config)["restic_ready"] is False
    nova_backup.restic_init(config, check_mode=True)
    assert nova_backup.status(config)["restic_ready"] is False  # check mode records nothing
    nova_backup.restic_init(config)
    assert nova_backup.status(config)["restic_ready"] is True
    pathlib.Path(config["restic"]["password_file"]).write_text("a rotated password\n")
    assert nova_backup.status(config)["restic_ready"] is False
    # The report copies the runs file only when its SHA-256 differs from the journal's copy.
    assert nova_backup.status(config)["runs_sha256"] == ""
    nova_backup.record_run(config, {"run": "x", "kind": "backup", "ok": True})
    runs = pathlib.Path(config["runs_file"]).read_bytes()
    assert nova_backup.status(config)["runs_sha256"] == hashlib.sha256(runs).hexdigest()


# ---------------------------------------------------------------- an S3 repository's credentials (restic's env file)

S3_KEY_ID, S3_SECRET = "AKIANOVATESTKEY00001", "nova/test+secret=with/slashes0001"
FAKE_RESTIC = """#!{python}
import json, os, sys
with open(os.environ["FAKE_RESTIC_DUMP"], "a") as out:
    out.write(json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ)}}) + "\\n")
"""


def _env_file(path: pathlib.Path, text: str, mode: int = 0o600) -> pathlib.Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def fake_restic(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[dict[str, t.Any]]:
    """A `restic` first on PATH that records its argv and environment; a config whose repository is S3."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "restic").write_text(FAKE_RESTIC.format(python=sys.executable))
    (bin_dir / "restic").chmod(0o755)
    dump = tmp_path / "restic-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_RESTIC_DUMP", str(dump))
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    (tmp_path / "restic.pw").write_text("pw\n")
    env_file = _env_file(tmp_path / "s3.env", f"# the S3 access key\n\nAWS_ACCESS_KEY_ID={S3_KEY_ID}\n  AWS_SECRET_ACCESS_KEY={S3_SECRET}\n"
                                              "AWS_DEFAULT_REGION=eu-west-1\n")
    raw = {"host": "db-test", "backup_dir": str(tmp_path / "backups"), "runs_file": str(tmp_path / "runs.jsonl"),
           "status_file": str(tmp_path / "nova_backup.prom"), "postgresql": {"databases": []},
           "restic": {"repository": "s3:https://s3.example.net/nova/db-test", "password_file": str(tmp_path / "restic.pw"),
                      "env_file": str(env_file)}}
    (tmp_path / "config.json").write_text(json.dumps(raw))
    config = nova_backup.load_config(str(tmp_path / "config.json"))
    yield {"config": config, "path": tmp_path / "config.json", "env_file": env_file, "dump": dump}


def _calls(dump: pathlib.Path) -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in dump.read_text().splitlines()] if dump.exists() else []


def test_the_env_file_reaches_restic_environment_and_nothing_else(fake_restic: dict[str, t.Any]) -> None:
    nova_backup.restic(fake_restic["config"], "snapshots", "--json")
    [call] = _calls(fake_restic["dump"])
    assert call["env"]["AWS_ACCESS_KEY_ID"] == S3_KEY_ID and call["env"]["AWS_SECRET_ACCESS_KEY"] == S3_SECRET
    assert call["env"]["AWS_DEFAULT_REGION"] == "eu-west-1" and call["env"]["RESTIC_PROGRESS_FPS"] == "0"
    assert not any(S3_SECRET in arg or S3_KEY_ID in arg for arg in call["argv"])
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ  # the tool's own environment is left as it was
    # Through the command line: restic-init and status print nothing of it, runs.jsonl holds nothing of it.
    tool = [sys.executable, str(TOOL), str(fake_restic["path"])]
    shown = "".join(subprocess.run([*tool, command], capture_output=True, text=True, check=False).stdout for command in ("restic-init", "status"))
    assert '"changed": false' in shown and S3_SECRET not in shown and S3_KEY_ID not in shown
    runs = pathlib.Path(fake_restic["config"]["runs_file"])
    assert not runs.exists() or S3_SECRET not in runs.read_text()
    assert all(c["env"]["AWS_SECRET_ACCESS_KEY"] == S3_SECRET for c in _calls(fake_restic["dump"]))


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_an_env_file_others_can_read_is_refused_naming_the_file_and_the_fix(fake_restic: dict[str, t.Any], mode: int) -> None:
    env_file = fake_restic["env_file"]
    env_file.chmod(mode)
    with pytest.raises(nova_backup.BackupError) as raised:
        nova_backup.restic(fake_restic["config"], "snapshots")
    assert f"{env_file} is readable or writable by its group or others (mode {mode:04o})" in str(raised.value)
    assert f"chmod 600 {env_file}" in str(raised.value) and S3_SECRET not in str(raised.value)
    assert _calls(fake_restic["dump"]) == []  # restic never ran
    done = subprocess.run([sys.executable, str(TOOL), str(fake_restic["path"]), "restic-init"], capture_output=True, text=True, check=False)
    assert done.returncode == 1 and f"chmod 600 {env_file}" in json.loads(done.stdout)["error"]


def test_a_missing_or_malformed_env_file_is_refused_without_showing_its_lines(fake_restic: dict[str, t.Any]) -> None:
    env_file = fake_restic["env_file"]
    _env_file(env_file, f"AWS_ACCESS_KEY_ID={S3_KEY_ID}\n{S3_SECRET}\n")
    with pytest.raises(nova_backup.BackupError, match=f"{env_file} line 2 is not NAME=VALUE") as raised:
        nova_backup.restic(fake_restic["config"], "snapshots")
    assert S3_SECRET not in str(raised.value)
    env_file.unlink()
    with pytest.raises(nova_backup.BackupError, match=f"{env_file} is missing: .*--tags backup_configure"):
        nova_backup.restic(fake_restic["config"], "snapshots")
    assert _calls(fake_restic["dump"]) == []


def test_a_rotated_s3_key_makes_the_repository_open_again(fake_restic: dict[str, t.Any]) -> None:
    config = fake_restic["config"]
    before = nova_backup.restic_fingerprint(config)
    _env_file(fake_restic["env_file"], f"AWS_ACCESS_KEY_ID={S3_KEY_ID}\nAWS_SECRET_ACCESS_KEY=rotated\n")
    assert before and nova_backup.restic_fingerprint(config) not in ("", before)


def _moto_bin() -> pathlib.Path | None:
    found = pathlib.Path(sys.executable).parent / "moto_server"
    return found if found.exists() else None


@pytest.fixture(scope="module")
def s3_api() -> t.Iterator[dict[str, str]]:
    """A real S3 API on loopback (moto_server) that checks request signatures, and one access key it knows."""
    boto3 = pytest.importorskip("boto3")
    moto_server = _moto_bin()
    if moto_server is None:
        pytest.skip("needs moto_server (pip install -r requirements.txt)")
    port = _free_port()
    # The first three requests (the access key's user, policy and key below) go unsigned; every later one must be signed.
    process = subprocess.Popen([str(moto_server), "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3"))
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="nova-backup")
        iam.put_user_policy(UserName="nova-backup", PolicyName="s3", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="nova-backup")["AccessKey"]
        yield {"url": url, "key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    finally:
        process.terminate()
        process.wait(timeout=30)


@needs_server
def test_backups_go_to_an_s3_repository_with_the_key_from_the_env_file(
        config: dict[str, t.Any], s3_api: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    work = pathlib.Path(config["_path"]).parent
    env_file = _env_file(work / "s3.env", f"AWS_ACCESS_KEY_ID={s3_api['key_id']}\nAWS_SECRET_ACCESS_KEY={s3_api['secret']}\n"
                                          "AWS_DEFAULT_REGION=us-east-1\n")
    config["restic"].update(repository=f"s3:{s3_api['url']}/nova-backups-{hashlib.sha256(work.name.encode()).hexdigest()[:12]}/db-test",
                            env_file=str(env_file))
    pathlib.Path(config["_path"]).write_text(json.dumps({k: v for k, v in config.items() if k != "_path"}))
    # The bucket does not exist: restic init creates it.
    rc, created = _tool(config, "restic-init")
    assert rc == 0 and created["ok"] and created["changed"] is True, created
    rc, backed_up = _tool(config, "backup", "postgresql")
    assert rc == 0 and backed_up["ok"] and backed_up["restic_snapshot"], backed_up
    listed = json.loads(nova_backup.restic(config, "snapshots", "--json").stdout)
    assert [s["short_id"] for s in listed] == [backed_up["restic_snapshot"][:8]] and listed[0]["tags"] == ["postgresql"]
    rc, drilled = _tool(config, "drill", "postgresql", "--from", "restic")  # restored from S3, compared with the manifests
    assert rc == 0 and drilled["ok"] and drilled["databases"][0]["problems"] == [], drilled
    # The secret never reached the tool's output, its runs file or its status.
    _rc, state = _tool(config, "status")
    assert state["restic_ready"] is True
    for text in (json.dumps([created, backed_up, drilled, state]), pathlib.Path(config["runs_file"]).read_text(),
                 pathlib.Path(config["status_file"]).read_text()):
        assert s3_api["secret"] not in text and s3_api["key_id"] not in text
    # The server checks signatures: a wrong secret is refused, and the tool says restic could not open the repository.
    _env_file(env_file, f"AWS_ACCESS_KEY_ID={s3_api['key_id']}\nAWS_SECRET_ACCESS_KEY=not-the-secret\n")
    rc, refused = _tool(config, "restic-init")
    assert rc == 1 and "restic cannot open" in refused["error"] and "signature" in refused["error"], refused
