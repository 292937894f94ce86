# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nova.dgx's backup tool on a database host (installed by nova.dgx.backup; run as root).

  python3 nova_backup.py CONFIG backup postgresql     dump every database and the globals into one set,
                                                      with checksums and manifests; retention; restic; status
  python3 nova_backup.py CONFIG restic-init           create the restic repository unless it exists
  python3 nova_backup.py CONFIG status                the last backup and drill, the complete sets
  python3 nova_backup.py check-timer UNIT             the timer's OnCalendar= accepted by systemd-analyze
  python3 nova_backup.py CONFIG check                 restic check (a data subset) and forget/prune
  python3 nova_backup.py CONFIG drill postgresql [--set NAME] [--from local|restic]
                                                      restore a set into a scratch instance and compare
  python3 nova_backup.py CONFIG backup mongodb        the same for MongoDB (nova_backup_mongodb.py, beside this file;
  python3 nova_backup.py CONFIG drill mongodb [...]   CONFIG needs its "mongodb" object)

A set is the directory BACKUP_DIR/ENGINE/<UTC time>Z. It is written as <name>.part and renamed
when SET.json, the list of its files and their SHA-256, is in it: a directory without .part is a
complete backup, and anything else is removed by the next run. Every command prints one JSON object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

FORMAT = "nova.dgx/backup-manifest/1"
SET_NAME = re.compile(r"^\d{8}T\d{6}Z$")
# Both sides of a comparison render values the same way.
SESSION = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 1",
           "SET bytea_output = 'hex'")
TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2"""
SEQUENCES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1, 2"""
# A table pg_restore has loaded may be hashed at once when its content is its own: a plain table
# with no inheritance children (a parent's SELECT reads its children, which may still be loading).
# Materialized views and partitioned parents are hashed when the restore ends.
LOADED_TABLE = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND format('%%s.%%s', n.nspname, c.relname) = %s
   AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"""
# The scratch instance is thrown away after the drill, so it runs as a bulk load would: no fsync,
# no full-page images, WAL at its minimum, no autovacuum to compete with the restore and the hash,
# no JIT for the few long scans of the comparison, and room for the restore's WAL (scratch_wal_mb)
# so that no checkpoint interrupts it. Memory settings stay PostgreSQL's defaults: the live server
# shares the host.
# A restore in one transaction locks every relation it creates: 1024 locks per transaction for 20
# connections holds about 20,000 relations in the lock table's usual size; more fall back to table by table.
SCRATCH_SETTINGS = ("fsync=off", "full_page_writes=off", "synchronous_commit=off", "wal_level=minimal", "max_wal_senders=0",
                    "archive_mode=off", "autovacuum=off", "jit=off", "checkpoint_timeout=1h", "max_connections=20",
                    "max_locks_per_transaction=1024")
# What a drill keeps in its directory between runs: the marker, and a cluster fresh from initdb that
# each drill copies (initdb again only when the server's version or the options change).
DRILL_KEEP = (".nova-drill", "template")
# pg_restore -v names each TOC entry before it works on it: the line after "processing data for
# table X" is printed once X's COPY has ended.
# A line of pg_restore -l: "<dump id>; <catalog oid> <object oid> <type> <schema> <name> <owner>".
RESTORE_LIST_ENTRY = re.compile(r"^\d+; \d+ \d+ (.*)$")
RESTORE_DATA = re.compile(r'^pg_restore: processing data for table "(.+)"$')
RESTORE_ENTRY = re.compile(r"^pg_restore: (processing data for table|processing item|creating|executing|restoring|setting owner|"
                           r"connecting to|dropping|disabling|enabling|implied)")


ENGINES = ("postgresql", "mongodb")
MONGODB_DEFAULTS: dict[str, t.Any] = {
    "host": "127.0.0.1", "port": 27017, "user": "nova_backup", "auth_database": "admin", "password_file": "/etc/nova-backup/mongodb.password",
    "databases": [], "bin": "/usr/bin", "drill_port": 27117, "run_as": "mongodb", "db_path": "/var/lib/mongodb", "drill_dir": "",
    "drill_cache_gb": 1, "start_seconds": 60, "stop_seconds": 30, "verify_crc": True}


class BackupError(Exception):
    """A failure with a message that names the database, the file or the table."""


# ---------------------------------------------------------------- configuration and small helpers


def load_config(path: str) -> dict[str, t.Any]:
    config = json.loads(pathlib.Path(path).read_text())
    pg = config.setdefault("postgresql", {})
    pg.setdefault("user", "postgres")
    pg.setdefault("socket", "/var/run/postgresql")
    pg.setdefault("port", 5432)
    pg.setdefault("databases", [])
    pg.setdefault("run_as", "")
    config.setdefault("keep_count", 7)
    config.setdefault("keep_days", 14)
    config.setdefault("drill", {})
    config["drill"].setdefault("port", 5499)
    config["drill"].setdefault("dir", "/var/tmp/nova-drill")
    if "mongodb" in config:  # the MongoDB engine is configured (nova_backup_mongodb.py)
        mongo = config["mongodb"]
        for key, value in MONGODB_DEFAULTS.items():
            mongo.setdefault(key, value)
        mongo["drill_dir"] = mongo["drill_dir"] or f"{config['drill']['dir']}-mongodb"
    return config


def engines(config: dict[str, t.Any]) -> list[str]:
    """The engines this host backs up: PostgreSQL always, MongoDB when CONFIG has its object."""
    return [engine for engine in ENGINES if engine == "postgresql" or engine in config]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ")


def sha256_file(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_path(path: pathlib.Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: pathlib.Path, text: str, mode: int = 0o644) -> None:
    """Write beside the target, fsync, rename: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def connect(pg: dict[str, t.Any], database: str, port: int | None = None, socket_dir: str | None = None) -> t.Any:
    import psycopg2  # pylint: disable=import-outside-toplevel  # Debian's python3-psycopg2 on the host

    conn = psycopg2.connect(dbname=database, user=pg["user"], host=socket_dir or pg["socket"], port=port or pg["port"],
                            application_name="nova-backup")
    with conn.cursor() as cur:
        for statement in SESSION:
            cur.execute(statement)
    conn.commit()
    return conn


def resolve_server(pg: dict[str, t.Any]) -> None:
    """The client programs of the live server's major and its data directory, read from the server when not configured."""
    if pg.get("bin") and pg.get("data_dir"):
        return
    conn = connect(pg, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('server_version_num')::int / 10000, current_setting('data_directory')")
            major, data_dir = cur.fetchone()
    finally:
        conn.close()
    pg["bin"] = pg.get("bin") or f"/usr/lib/postgresql/{major}/bin"
    pg["data_dir"] = pg.get("data_dir") or data_dir


def client(pg: dict[str, t.Any], tool: str) -> list[str]:
    """A PostgreSQL client program, run as ``run_as`` when set (the scratch instance trusts only its owner)."""
    program = str(pathlib.Path(pg["bin"], tool))
    return ["runuser", "-u", pg["run_as"], "--", program] if pg.get("run_as") else [program]


# ---------------------------------------------------------------- manifests


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Each column of a table with the extended hash function of its type's default hash operator class, when
# that function takes the column's type (or one it casts to implicitly without conversion); NULL otherwise.
COLUMN_HASHES = """
SELECT a.attname, format_type(a.atttypid, NULL),
       (SELECT p.amproc::regproc::text FROM pg_opclass o
          JOIN pg_amproc p ON p.amprocfamily = o.opcfamily AND p.amprocnum = 2
           AND p.amproclefttype = o.opcintype AND p.amprocrighttype = o.opcintype
          JOIN pg_proc f ON f.oid = p.amproc AND f.proargtypes[0] = o.opcintype
         WHERE o.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hash') AND o.opcdefault
           AND (o.opcintype = coalesce(nullif(y.typbasetype, 0), a.atttypid)
                OR EXISTS (SELECT 1 FROM pg_cast c WHERE c.castsource = coalesce(nullif(y.typbasetype, 0), a.atttypid)
                            AND c.casttarget = o.opcintype AND c.castmethod = 'b' AND c.castcontext = 'i'))
         ORDER BY o.opcintype = coalesce(nullif(y.typbasetype, 0), a.atttypid) DESC LIMIT 1)
  FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid
 WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""


def columns_hash(cur: t.Any, relation: str) -> str:
    """The ``columns`` method's row hash: each column's own extended hash seeded with its position, XORed;
    a NULL counts as minus its position. A type without such a function is hashed as a one-column record,
    and a type without any extended hash (json, xml, point) as its text. Reading the columns saves forming
    each row as a record: 25 % less time than ``hash_record_extended(t, 0)`` on the benchmark's tables."""
    cur.execute(COLUMN_HASHES, (relation,))
    parts = []
    for position, (name, type_name, function) in enumerate(cur.fetchall(), 1):
        column = f"t.{quote_ident(name)}"
        if function:
            hashed = f"{function}({column}, {position})"
        else:
            cur.execute("SAVEPOINT nova_probe")
            try:
                cur.execute(f"SELECT hash_record_extended(ROW(NULL::{type_name}), 0)")
                hashed = f"hash_record_extended(ROW({column}), {position})"
            except Exception:  # pylint: disable=broad-exception-caught  # psycopg2's error for a type without an extended hash
                hashed = f"hashtextextended({column}::text, {position})"
            cur.execute("ROLLBACK TO SAVEPOINT nova_probe")
        parts.append(f"coalesce({hashed}, {-position})")
    return " # ".join(parts) or "0"


def table_hash(cur: t.Any, schema: str, table: str, method: str | None = None) -> dict[str, t.Any]:
    """Rows and an order-independent content hash. A backup records ``columns`` (``text``, the whole row as
    text, where that fails); a drill hashes with the method its manifest names (``record``: sets made before
    ``columns``, the row as one record)."""
    relation = f"{quote_ident(schema)}.{quote_ident(table)}"
    chosen = method if method in ("columns", "record", "text") else "columns"
    rows_hash = {"record": "hash_record_extended(t, 0)", "text": "hashtextextended(t::text, 0)"}
    cur.execute("SAVEPOINT nova_hash")
    try:
        cur.execute(f"SELECT count(*), coalesce(sum({rows_hash.get(chosen) or columns_hash(cur, relation)}), 0)::text FROM {relation} t")
    except Exception:  # pylint: disable=broad-exception-caught  # psycopg2's error; the text of a row always hashes
        cur.execute("ROLLBACK TO SAVEPOINT nova_hash")
        chosen = "text"
        cur.execute(f"SELECT count(*), coalesce(sum({rows_hash[chosen]}), 0)::text FROM {relation} t")
    rows, digest = cur.fetchone()
    cur.execute("RELEASE SAVEPOINT nova_hash")
    return {"name": f"{schema}.{table}", "rows": int(rows), "hash": str(digest), "method": chosen}


HashTables = t.Callable[[list[tuple[str, str]]], list[dict[str, t.Any]]]


def database_manifest(conn: t.Any, hash_tables: HashTables | None = None) -> dict[str, t.Any]:
    """Tables, sequences and large objects of the connected database, as its transaction sees them
    (``hash_tables`` hashes the tables elsewhere, such as in parallel sessions of a drill)."""
    with conn.cursor() as cur:
        cur.execute(TABLES)
        names = [(str(schema), str(table)) for schema, table in cur.fetchall()]
        tables = hash_tables(names) if hash_tables else [table_hash(cur, schema, table) for schema, table in names]
        cur.execute(SEQUENCES)
        sequences = []
        for schema, name in cur.fetchall():
            cur.execute(f"SELECT last_value, is_called FROM {quote_ident(schema)}.{quote_ident(name)}")
            last_value, is_called = cur.fetchone()
            sequences.append({"name": f"{schema}.{name}", "last_value": int(last_value), "is_called": bool(is_called)})
        cur.execute("SELECT count(*), coalesce(sum(hashtextextended(loid::text || ':' || pageno || ':' || encode(data, 'hex'), 0)), 0)::text"
                    " FROM pg_largeobject")
        pages, digest = cur.fetchone()
    return {"tables": tables, "sequences": sequences, "large_objects": {"pages": int(pages), "hash": str(digest)}}


def compare(expected: dict[str, t.Any], found: dict[str, t.Any], label: str = "") -> list[str]:
    """What differs between a dump-time manifest and the restored database, one line per table or sequence."""
    manifest = f"the manifest{label}"
    problems = compare_counts({entry["name"]: (entry["rows"], entry["hash"]) for entry in expected["tables"]},
                              {entry["name"]: (entry["rows"], entry["hash"]) for entry in found["tables"]}, "table", "rows", manifest)
    seq_want = {entry["name"]: entry for entry in expected["sequences"]}
    seq_have = {entry["name"]: entry for entry in found["sequences"]}
    problems += [f"sequence {name}: {seq_have.get(name)} restored, {seq_want[name]} in {manifest}"
                 for name in sorted(seq_want) if seq_have.get(name) != seq_want[name]]
    if expected["large_objects"] != found["large_objects"]:
        problems.append(f"large objects: {found['large_objects']} restored, {expected['large_objects']} in {manifest}")
    return problems


def compare_counts(want: dict[str, tuple[int, str]], have: dict[str, tuple[int, str]], noun: str, unit: str, manifest: str,
                   found_in: str = "") -> list[str]:
    """Per name (a table, a collection): missing, a different count, the same count and another content hash, extra.
    ``have`` is what a restore holds, or what ``found_in`` (an archive read, not restored) holds."""
    problems = []
    for name in sorted(want):
        if name not in have:
            where = f"missing from {found_in}" if found_in else "missing after the restore"
            problems.append(f"{noun} {name}: {where} ({want[name][0]} {unit} in {manifest})")
        elif have[name][0] != want[name][0]:
            problems.append(f"{noun} {name}: {have[name][0]} {unit} {f'in {found_in}' if found_in else 'restored'}, {want[name][0]} in {manifest}")
        elif have[name][1] != want[name][1]:
            problems.append(f"{noun} {name}: content hash differs from {manifest} ({unit} equal: {want[name][0]})")
    problems += [f"{noun} {name}: {f'in {found_in}' if found_in else 'restored'} but not in {manifest}" for name in sorted(set(have) - set(want))]
    return problems


# ---------------------------------------------------------------- backup


@contextlib.contextmanager
def locked(name: str, wait: float = 0.0) -> t.Iterator[None]:
    """One backup, drill or repository check at a time per engine; ``wait`` seconds for the lock (a
    scheduled backup waits for a drill to end; a drill or a check started by hand does not wait)."""
    lock_dir = pathlib.Path(os.environ.get("NOVA_BACKUP_LOCK_DIR", "/run/nova-backup"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    with (lock_dir / f"{name}.lock").open("w") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BackupError(f"another {name} backup, drill or check runs (lock {lock_dir / name}.lock)"
                                      + (f"; waited {wait:.0f} s" if wait else "")) from None
                time.sleep(1.0)
        yield


def complete_sets(engine_dir: pathlib.Path) -> list[pathlib.Path]:
    """Complete sets, oldest first: named like a set, not .part, with SET.json."""
    if not engine_dir.is_dir():
        return []
    return sorted(p for p in engine_dir.iterdir() if SET_NAME.match(p.name) and (p / "SET.json").is_file())


def remove_leftovers(engine_dir: pathlib.Path) -> list[str]:
    """Remove what an interrupted run left (a .part directory, a set without SET.json)."""
    removed = []
    if engine_dir.is_dir():
        for path in engine_dir.iterdir():
            if path.is_dir() and (path.name.endswith(".part") or not (path / "SET.json").is_file()):
                shutil.rmtree(path)
                removed.append(path.name)
    return removed


def retention(engine_dir: pathlib.Path, keep_count: int, keep_days: int, now: dt.datetime) -> list[str]:
    """Remove complete sets older than ``keep_days`` that are not among the newest ``keep_count``."""
    sets = complete_sets(engine_dir)
    keep = set(sets[-keep_count:]) if keep_count > 0 else set()
    removed = []
    for path in sets:
        created = dt.datetime.strptime(path.name, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        if path not in keep and now - created > dt.timedelta(days=keep_days):
            shutil.rmtree(path)
            removed.append(path.name)
    return removed


def dump_database(pg: dict[str, t.Any], database: str, target: pathlib.Path) -> dict[str, t.Any]:
    """pg_dump -Fc in a snapshot that a second session hashes at the same time."""
    conn = connect(pg, database)
    # psycopg2 opens the transaction itself, so the level is set on the session (a BEGIN of our own
    # inside it only works because no snapshot was taken yet). The test that writes during the dump
    # fails under READ COMMITTED: the manifest would count rows the dump does not hold.
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, version = cur.fetchone()
        started = time.monotonic()
        command = [*client(pg, "pg_dump"), "-Fc", f"--snapshot={snapshot}", "-h", pg["socket"], "-p", str(pg["port"]),
                   "-U", pg["user"], "-f", str(target), database]
        dump = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        manifest = database_manifest(conn)
        hashed = time.monotonic() - started
        _out, errors = dump.communicate()
        if dump.returncode != 0:
            raise BackupError(f"{database}: pg_dump exited {dump.returncode}: {errors.strip()[-500:]}")
        conn.rollback()
    finally:
        conn.close()
    os.chmod(target, 0o600)
    fsync_path(target)
    return {"database": database, "server_version": version, "snapshot": snapshot, **manifest,
            "durations": {"dump_and_hash": round(time.monotonic() - started, 3), "hash": round(hashed, 3)}}


def start_set(config: dict[str, t.Any], engine: str) -> tuple[pathlib.Path, dt.datetime, list[str]]:
    """A new set's directory BACKUP_DIR/ENGINE/<time>Z.part, after removing what interrupted runs left:
    (the .part directory, the set's time, the names removed)."""
    engine_dir = pathlib.Path(config["backup_dir"], engine)
    engine_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(engine_dir, 0o700)
    now = utc_now()
    while (engine_dir / stamp(now)).exists():  # a set from the same second: names are unique
        time.sleep(1.0 - now.microsecond / 1e6)
        now = utc_now()
    name = stamp(now)
    removed = remove_leftovers(engine_dir)
    part = engine_dir / f"{name}.part"
    part.mkdir(mode=0o700)
    return part, now, removed


def finish_set(config: dict[str, t.Any], engine: str, part: pathlib.Path, now: dt.datetime, databases: list[str],
               removed: list[str]) -> dict[str, t.Any]:
    """A .sha256 beside every file, SET.json listing them, then the rename that makes the set complete; retention."""
    name = part.name.removesuffix(".part")
    engine_dir = part.parent
    files: dict[str, dict[str, t.Any]] = {}
    for path in sorted(part.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            digest = sha256_file(path)
            write_atomic(part / f"{path.name}.sha256", f"{digest}  {path.name}\n", 0o600)
            files[path.name] = {"sha256": digest, "bytes": path.stat().st_size}
    write_atomic(part / "SET.json", json.dumps({"format": FORMAT, "engine": engine, "set": name, "host": config.get("host", ""),
                                                "created": now.isoformat(), "databases": databases, "files": files},
                                               indent=1, sort_keys=True) + "\n", 0o600)
    fsync_path(part)
    final = engine_dir / name
    os.rename(part, final)
    fsync_path(engine_dir)
    removed = removed + retention(engine_dir, int(config["keep_count"]), int(config["keep_days"]), now)
    return {"set": name, "path": str(final), "bytes": sum(f["bytes"] for f in files.values()), "removed": removed}


def backup_postgresql(config: dict[str, t.Any]) -> dict[str, t.Any]:
    pg = config["postgresql"]
    resolve_server(pg)
    part, now, removed = start_set(config, "postgresql")
    name = part.name.removesuffix(".part")
    databases = []
    for database in pg["databases"]:
        dump = part / f"{database}.dump"
        manifest = dump_database(pg, database, dump)
        manifest.update({"format": FORMAT, "engine": "postgresql", "host": config.get("host", ""), "site": config.get("site", ""),
                         "set": name, "dump": {"file": dump.name, "bytes": dump.stat().st_size, "sha256": sha256_file(dump)}})
        write_atomic(part / f"{database}.manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n", 0o600)
        databases.append({"database": database, "bytes": manifest["dump"]["bytes"], "tables": len(manifest["tables"]),
                          "seconds": manifest["durations"]["dump_and_hash"]})
    globals_file = part / "globals.sql"
    done = subprocess.run([*client(pg, "pg_dumpall"), "--globals-only", "-h", pg["socket"], "-p", str(pg["port"]), "-U", pg["user"],
                           "-f", str(globals_file)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dumpall --globals-only exited {done.returncode}: {done.stderr.strip()[-500:]}")
    os.chmod(globals_file, 0o600)  # it holds the roles' password verifiers
    return {**finish_set(config, "postgresql", part, now, list(pg["databases"]), removed), "databases": databases}


# ---------------------------------------------------------------- restic


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What S3-compatible storage answers to a key it does not accept (AWS, MinIO, Ceph RGW).
S3_REFUSED = ("SignatureDoesNotMatch", "does not match the signature you provided", "InvalidAccessKeyId",
              "Access Key Id you provided does not exist", "Access Denied", "AccessDenied")


def restic_env(settings: dict[str, t.Any]) -> dict[str, str]:
    """The variables in the repository's env file (an S3 repository's access key: KEY=VALUE lines,
    blanks and # comments ignored). Read for each restic call and given only to its environment:
    never to its argv, a message, runs.jsonl or the status output."""
    if not settings.get("env_file"):
        return {}
    path = pathlib.Path(settings["env_file"])
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: restic needs the repository's credentials from it (AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY for S3); run the backup role again (--tags backup_configure), which writes it") from None
    if mode & 0o077:
        raise BackupError(f"{path} is readable or writable by its group or others (mode {mode & 0o777:04o}) and holds the repository's "
                          f"credentials: chmod 600 {path} (and rotate the key if someone else may have read it)")
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if not equals or not ENV_NAME.fullmatch(name.strip()):
            # The line may hold a secret: name its number, never its text.
            raise BackupError(f"{path} line {number} is not NAME=VALUE: write one variable per line such as AWS_ACCESS_KEY_ID=..., "
                              "# for comments")
        found[name.strip()] = value
    return found


def restic(config: dict[str, t.Any], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    settings = config["restic"]
    command = ["restic", "--repo", settings["repository"], "--password-file", settings["password_file"], "--no-cache", *args]
    if settings.get("sftp_command"):
        command[1:1] = ["-o", f"sftp.command={settings['sftp_command']}"]
    env = {**os.environ, **restic_env(settings), "RESTIC_PROGRESS_FPS": "0"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if check and done.returncode != 0:
        raise BackupError(f"restic {args[0]} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done


def restic_fingerprint(config: dict[str, t.Any]) -> str:
    """What a repository that opened once was opened with: its URL, the password file's content, the SFTP command and
    the env file's content (an S3 key pair: a rotated key is tried again)."""
    settings = config.get("restic") or {}
    try:
        password = pathlib.Path(settings.get("password_file", "")).read_bytes()
        env = pathlib.Path(settings["env_file"]).read_bytes() if settings.get("env_file") else b""
    except OSError:
        return ""
    return hashlib.sha256(json.dumps([settings.get("repository"), settings.get("sftp_command")]).encode() + b"\0" + password
                          + (b"\0" + env if env else b"")).hexdigest()


def restic_ready_file(config: dict[str, t.Any]) -> pathlib.Path:
    return pathlib.Path(config.get("runs_file") or "/var/lib/nova-backup/runs.jsonl").with_name("restic.ready")


def restic_init(config: dict[str, t.Any], check_mode: bool = False) -> dict[str, t.Any]:
    found = restic(config, "cat", "config", check=False)
    if found.returncode == 0:
        if not check_mode:
            write_atomic(restic_ready_file(config), restic_fingerprint(config) + "\n", 0o600)
        return {"changed": False, "repository": config["restic"]["repository"]}
    # restic 0.14 says "unable to open config file" for any error reading an S3 object, a refused key too.
    if any(words in found.stderr for words in S3_REFUSED):
        raise BackupError(f"restic cannot open {config['restic']['repository']}: the storage refused the access key in "
                          f"{config['restic'].get('env_file')} ({found.stderr.strip()[-300:]}); put the pair the provider issued into the "
                          "secrets server (docs/runbooks/backup.md, 'S3-compatible storage') and run the role again")
    # restic 0.14 exits 1 both for a missing repository and for a wrong password: only the first is created.
    if "unable to open config file" not in found.stderr and "Is there a repository" not in found.stderr:
        raise BackupError(f"restic cannot open {config['restic']['repository']}: {found.stderr.strip()[-300:]}")
    if check_mode:
        return {"changed": True, "repository": config["restic"]["repository"]}
    restic(config, "init")
    write_atomic(restic_ready_file(config), restic_fingerprint(config) + "\n", 0o600)
    return {"changed": True, "repository": config["restic"]["repository"]}


def restic_backup(config: dict[str, t.Any], engine: str, set_path: str) -> str:
    done = restic(config, "backup", "--json", "--tag", engine, "--host", config.get("host") or os.uname().nodename, set_path)
    summary = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{") and '"summary"' in line]
    return str(summary[-1].get("snapshot_id", "")) if summary else ""


def restic_check(config: dict[str, t.Any]) -> dict[str, t.Any]:
    removed = []
    with contextlib.ExitStack() as stack:
        for engine in engines(config):  # no backup of any engine writes to the repository meanwhile
            stack.enter_context(locked(engine))
        restic(config, "check", f"--read-data-subset={config['restic'].get('check_subset', '5%')}")
        # Every set has a path of its own: grouped by path (restic's default) each snapshot would be
        # alone in its group and always kept. The same retention as on the host, per host and engine.
        for engine in engines(config):
            done = restic(config, "forget", "--json", "--group-by", "host,tags", "--tag", engine, "--host",
                          config.get("host") or os.uname().nodename, "--keep-last", str(config["keep_count"]),
                          "--keep-within", f"{config['keep_days']}d", "--prune")
            groups = json.loads(next((line for line in done.stdout.splitlines() if line.startswith("[")), "[]"))
            removed += [s["short_id"] for group in groups for s in group.get("remove") or []]
    write_status(config, [("nova_backup_restic_last_check_success_timestamp_seconds", {}, round(time.time()))])
    return {"checked": config["restic"]["repository"], "forgotten": removed}


# ---------------------------------------------------------------- status for monitoring and the journal

Metric = tuple[str, dict[str, str], float]


def write_status(config: dict[str, t.Any], metrics: list[Metric]) -> None:
    """Merge metrics into the node exporter's textfile, one line per name and label set, written atomically."""
    status = pathlib.Path(config.get("status_file") or "/var/lib/prometheus/node-exporter/nova_backup.prom")
    lines: dict[str, str] = {}
    if status.is_file():
        for line in status.read_text().splitlines():
            if line and not line.startswith("#"):
                lines[line.rsplit(" ", 1)[0]] = line
    for name, labels, value in metrics:
        key = name + ("{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else "")
        lines[key] = f"{key} {value:g}" if not float(value).is_integer() else f"{key} {int(value)}"
    write_atomic(status, "# nova.dgx backups (nova_backup.py)\n" + "\n".join(lines[k] for k in sorted(lines)) + "\n")


def record_run(config: dict[str, t.Any], entry: dict[str, t.Any]) -> None:
    """One JSON line per run; the data layer's report copies new lines to the controller's journal."""
    runs = pathlib.Path(config.get("runs_file") or "/var/lib/nova-backup/runs.jsonl")
    runs.parent.mkdir(parents=True, exist_ok=True)
    with runs.open("a") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def guarded(entry: dict[str, t.Any], work: t.Callable[[], dict[str, t.Any]]) -> dict[str, t.Any]:
    """Run ``work``, recording its result or its error in ``entry`` (never raising)."""
    try:
        entry.update({"ok": True, **work()})  # a result may say ok: false itself (a drill that found differences)
    except (BackupError, OSError, subprocess.SubprocessError) as exc:
        entry.update(ok=False, error=str(exc))
    except Exception as exc:  # pylint: disable=broad-exception-caught  # a database error: recorded, then reported
        entry.update(ok=False, error=f"{type(exc).__name__}: {str(exc).strip()}")
    entry["finished"] = utc_now().isoformat()
    return entry


def load_engines() -> None:
    """Make nova_backup_mongodb.py, installed beside this file, importable; it imports this module as
    nova_backup, so the copy running (__main__ when run as a script) is the one it shares."""
    this = sys.modules.get(__name__)
    if this is not None:
        sys.modules.setdefault("nova_backup", this)
    here = str(pathlib.Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)


def run_backup(config: dict[str, t.Any], engine: str) -> dict[str, t.Any]:
    started = utc_now()
    entry: dict[str, t.Any] = {"run": f"{stamp(started)}-{engine}-backup", "kind": "backup", "engine": engine,
                               "host": config.get("host", ""), "started": started.isoformat()}

    def work() -> dict[str, t.Any]:
        with locked(engine, wait=float(config.get("lock_wait_seconds", 7200))):
            if engine == "mongodb":
                load_engines()
                import nova_backup_mongodb  # pylint: disable=import-outside-toplevel,import-error  # beside this file

                result = nova_backup_mongodb.backup(config)
            else:
                result = backup_postgresql(config)
            if config.get("restic"):
                result["restic_snapshot"] = restic_backup(config, engine, result["path"])
            return result

    guarded(entry, work)
    now = time.time()
    metrics: list[Metric] = [("nova_backup_last_run_ok", {"engine": engine}, 1 if entry["ok"] else 0),
                             ("nova_backup_last_duration_seconds", {"engine": engine}, round((utc_now() - started).total_seconds(), 3))]
    if entry["ok"]:
        metrics.append(("nova_backup_last_success_timestamp_seconds", {"engine": engine}, round(now)))
        for item in entry["databases"]:
            labels = {"engine": engine, "database": item["database"]}
            metrics += [("nova_backup_database_last_success_timestamp_seconds", labels, round(now)),
                        ("nova_backup_database_last_size_bytes", labels, item["bytes"])]
    write_status(config, metrics)
    record_run(config, entry)
    return entry


# ---------------------------------------------------------------- the restore drill


def port_in_use(socket_dir: str, port: int) -> bool:
    import socket  # pylint: disable=import-outside-toplevel

    if pathlib.Path(socket_dir, f".s.PGSQL.{port}").exists():
        return True
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def drill_refusals(config: dict[str, t.Any]) -> list[str]:
    """Why the scratch instance could be, or touch, the live one; checked before anything is created."""
    pg, drill = config["postgresql"], config["drill"]
    port, directory = int(drill["port"]), pathlib.Path(drill["dir"]).resolve()
    problems = []
    if port == int(pg["port"]):
        problems.append(f"the drill port {port} is the live server's port (postgresql_port): the scratch instance must never be"
                        " the live one; pick another port (default 5499)")
    elif port_in_use(pg["socket"], port) or port_in_use(str(directory), port):
        problems.append(f"the drill port {port} is in use: something listens there; pick a free port")
    for live in [pg.get("data_dir"), pg["socket"], config["backup_dir"]]:
        if live and (directory == pathlib.Path(live).resolve() or pathlib.Path(live).resolve() in directory.parents):
            problems.append(f"the drill directory {directory} is inside {live}, which the live server or the backups use;"
                            " choose a scratch directory of its own (default /var/tmp/nova-drill)")
    if directory.exists() and not (directory / ".nova-drill").exists():
        problems.append(f"the drill directory {directory} exists and is not a drill's: remove it or choose another")
    return problems


def scratch_wal_mb(live: int) -> int:
    """max_wal_size of the scratch instance: the restored databases' size, so that the restore's WAL
    (about as much as its data) never forces a checkpoint, within 1 to 8 GiB."""
    return max(1024, min(8192, -(-live >> 20)))


def drill_space_problem(config: dict[str, t.Any]) -> tuple[str, int]:
    """The scratch copy needs room for the fetched set, the restored databases and their WAL; on the live
    server's filesystem a full disk would stop the live server, so a drill that might not fit does not
    start. Returns the problem ("" when none) and the scratch instance's max_wal_size in MiB."""
    pg = config["postgresql"]
    conn = connect(pg, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT coalesce(sum(pg_database_size(datname)), 0) FROM pg_database WHERE datname = ANY(%s)",
                        (list(pg["databases"]),))
            live = int(cur.fetchone()[0])
    finally:
        conn.close()
    sets = complete_sets(pathlib.Path(config["backup_dir"], "postgresql"))
    set_bytes = sum(p.stat().st_size for p in sets[-1].iterdir() if p.is_file()) if sets else live
    wal_mb = scratch_wal_mb(live)
    need = int(live * 1.2) + 2 * set_bytes + (wal_mb << 20) + (64 << 20)
    directory = pathlib.Path(config["drill"]["dir"]).resolve()
    existing = next(p for p in [directory, *directory.parents] if p.exists())
    stats = os.statvfs(existing)
    free = stats.f_bavail * stats.f_frsize
    if free < need:
        return (f"the drill needs about {need >> 20} MiB in {existing} (the databases, {live >> 20} MiB, restored once, their WAL"
                f" and the set fetched), and {free >> 20} MiB are free: free space there or set backup_drill_dir to a larger filesystem",
                wal_mb)
    return "", wal_mb


def fetch_set(config: dict[str, t.Any], engine: str, wanted: str | None, source: str, scratch: pathlib.Path) -> pathlib.Path:
    """The set to restore: from the local backup directory, or restored out of restic (proving the off-box copy)."""
    if source == "local":
        sets = complete_sets(pathlib.Path(config["backup_dir"], engine))
        chosen = [p for p in sets if p.name == wanted] if wanted else sets[-1:]
        if not chosen:
            raise BackupError(f"no complete {engine} set {wanted or ''} in {config['backup_dir']}/{engine}".replace("  ", " "))
        return chosen[0]
    listed = restic(config, "snapshots", "--json", "--tag", engine, "--host", config.get("host") or os.uname().nodename)
    snapshots = sorted(json.loads(listed.stdout or "[]"), key=lambda s: s["time"])
    if wanted:
        snapshots = [s for s in snapshots if any(pathlib.PurePath(p).name == wanted for p in s["paths"])]
    if not snapshots:
        raise BackupError(f"restic has no {engine} snapshot{' of set ' + wanted if wanted else ''} for this host")
    snapshot = snapshots[-1]
    restic(config, "restore", snapshot["id"], "--target", str(scratch / "restore"))
    return scratch / "restore" / str(snapshot["paths"][0]).lstrip("/")


def postmaster_ready(data: pathlib.Path, launched: float) -> bool:
    """Whether the postmaster of ``data`` launched at ``launched`` (time.time()) accepts connections: the status
    line of postmaster.pid says "ready" and its start time is not older, as pg_ctl --wait reads it (cheaper than
    a pg_isready process per look)."""
    with contextlib.suppress(OSError, ValueError):
        lines = (data / "postmaster.pid").read_text().splitlines()
        return len(lines) > 7 and lines[7].strip() == "ready" and int(lines[2]) >= int(launched) - 2
    return False


def stop_scratch(data: pathlib.Path, process: subprocess.Popen[bytes] | None) -> None:
    """Immediate shutdown of the scratch postmaster (its pid from postmaster.pid, not runuser's); SIGKILL after 30 s.
    Its copy is removed next, so no shutdown checkpoint needs to write the restore's dirty buffers out."""
    pid = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
    if process is not None:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.kill()
            process.wait(timeout=10)


def clear_scratch(scratch: pathlib.Path) -> None:
    """Remove what a drill left in its directory, except what DRILL_KEEP names."""
    if not scratch.is_dir():
        return
    for entry in scratch.iterdir():
        if entry.name in DRILL_KEEP:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


def template_cluster(pg: dict[str, t.Any], owner: str, scratch: pathlib.Path, data: pathlib.Path) -> tuple[subprocess.Popen[str], str, bool]:
    """Start making the scratch data directory: a copy of scratch/template, a cluster that initdb made
    once for this server version and these options. When the template is missing or stale, initdb
    (re)makes it first. Returns the running process (it runs while the set is checked;
    ``finish_template`` waits for it), the stamp the template carries, and whether it is initdb."""
    options = ["--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
    version = subprocess.run([f"{pg['bin']}/postgres", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    stamp = json.dumps({"version": version, "initdb": options, "owner": owner})
    template = scratch / "template"
    with contextlib.suppress(OSError):
        if (template / "stamp").read_text() == stamp and (template / "data" / "PG_VERSION").is_file():
            return copy_template(scratch, data), stamp, False
    shutil.rmtree(template, ignore_errors=True)
    shutil.rmtree(scratch / "template.new", ignore_errors=True)
    (scratch / "template.new").mkdir(mode=0o700)
    shutil.chown(scratch / "template.new", owner)
    initdb = ["runuser", "-u", owner, "--", f"{pg['bin']}/initdb", *options, "-D", str(scratch / "template.new" / "data")]
    return subprocess.Popen(initdb, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), stamp, True  # pylint: disable=consider-using-with


def copy_template(scratch: pathlib.Path, data: pathlib.Path) -> subprocess.Popen[str]:
    # cp -a keeps the owner, the modes and the 0700 data directory initdb made.
    return subprocess.Popen(["cp", "-a", str(scratch / "template" / "data"), str(data)],  # pylint: disable=consider-using-with
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_template(started: tuple[subprocess.Popen[str], str, bool], scratch: pathlib.Path, data: pathlib.Path) -> None:
    """Wait for what ``template_cluster`` started; after an initdb, publish the template atomically and copy it."""
    process, stamp, initdb = started
    _out, errors = process.communicate()
    if process.returncode != 0:
        what = "initdb of the scratch instance's template in" if initdb else "copying the scratch instance's template to"
        raise BackupError(f"{what} {scratch / 'template.new' if initdb else data} failed: {errors.strip()[-300:]}")
    if initdb:
        write_atomic(scratch / "template.new" / "stamp", stamp, 0o600)
        (scratch / "template.new").rename(scratch / "template")
        finish_template((copy_template(scratch, data), stamp, False), scratch, data)


def file_problem(set_dir: pathlib.Path, name: str, meta: dict[str, t.Any]) -> str:
    """Why a file of a fetched set cannot be trusted ("" when it is there and matches its SHA-256 in SET.json)."""
    path = set_dir / name
    if not path.is_file():
        return f"set {set_dir.name}: {name} is missing"
    if sha256_file(path) != meta["sha256"]:
        return (f"set {set_dir.name}: {name} does not match its SHA-256 in SET.json"
                f" ({path.stat().st_size} bytes, {meta['bytes']} when dumped)")
    return ""


def check_set(set_dir: pathlib.Path, problems: list[str]) -> tuple[dict[str, t.Any], set[str]]:
    """SET.json of a fetched set, and the names of its files that are missing or differ from their SHA-256 (each
    added to problems), every file checked before it returns (the MongoDB drill)."""
    check = SetCheck(set_dir, problems)
    try:
        check.settle()
    finally:
        check.close()
    return check.listing, {name for name, problem in check.verdicts.items() if problem}


class SetCheck:
    """A fetched set's files against their SHA-256 in SET.json, the PostgreSQL dumps checked while they restore.
    The other files (the globals, the manifests) are checked at once, as a drill reads them first. Each dump's SHA-256 is
    computed in a thread (hashlib leaves the GIL to it), so the restore starts without waiting for it; the
    drill asks ``damaged`` for a dump's verdict once its restore has returned, and a dump found damaged
    while it restores stops that restore (``watch``). A problem is added to ``problems`` once, in the
    main thread, when a verdict is first asked for or at ``settle``."""

    def __init__(self, set_dir: pathlib.Path, problems: list[str]) -> None:
        import concurrent.futures  # pylint: disable=import-outside-toplevel

        self.problems = problems
        self.listing: dict[str, t.Any] = json.loads((set_dir / "SET.json").read_text())
        self.verdicts: dict[str, str] = {}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.pending: dict[str, concurrent.futures.Future[str]] = {}
        # The dumps are hashed one at a time in the order their databases are restored.
        order = {f"{database}.dump": rank for rank, database in enumerate(self.listing.get("databases", []))}
        try:
            for name, meta in sorted(self.listing["files"].items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
                if name.endswith(".dump") and (set_dir / name).is_file():
                    self.pending[name] = self.pool.submit(file_problem, set_dir, name, meta)
                else:
                    self.record(name, file_problem(set_dir, name, meta))
        except BaseException:
            self.close()
            raise

    def record(self, name: str, problem: str) -> None:
        self.verdicts[name] = problem
        if problem:
            self.problems.append(problem)

    def known_damaged(self, name: str) -> bool:
        """Damaged as far as is known now: missing, or its check has ended with a mismatch."""
        future = self.pending.get(name)
        if future is not None and future.done():
            return self.damaged(name)
        return bool(self.verdicts.get(name))

    def damaged(self, name: str) -> bool:
        """Whether the file is missing or differs from its SHA-256, waiting for its check."""
        if name in self.pending:
            self.record(name, self.pending.pop(name).result())
        return bool(self.verdicts.get(name))

    def watch(self, name: str, process: subprocess.Popen[str]) -> None:
        """Stop ``process`` (the restore of dump ``name``) as soon as the dump is found damaged. A check that
        failed (an unreadable file) stops nothing here; ``damaged`` raises its error in the main thread."""
        future = self.pending.get(name)

        def stop(done: t.Any) -> None:
            if done.exception() is None and done.result():
                process.terminate()

        if future is not None:
            future.add_done_callback(stop)

    def settle(self) -> None:
        """Wait for every check still running and add its problem (a drill that went through)."""
        for name in list(self.pending):
            self.damaged(name)

    def close(self) -> None:
        """End the thread before the fetched set is removed: a check not started is dropped, a running one is
        waited for and its verdict ignored (the drill is over). Never raises."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def drill_postgresql(config: dict[str, t.Any], wanted: str | None, source: str) -> dict[str, t.Any]:
    resolve_server(config["postgresql"])
    refused = drill_refusals(config)
    wal_mb = 1024
    if not refused:
        problem, wal_mb = drill_space_problem(config)
        refused = [problem] if problem else []
    if refused:
        raise BackupError("; ".join(refused))
    pg, drill = config["postgresql"], config["drill"]
    scratch = pathlib.Path(drill["dir"]).resolve()
    owner = drill.get("user", "postgres")
    port = int(drill["port"])
    clear_scratch(scratch)
    scratch.mkdir(parents=True, mode=0o700, exist_ok=True)
    (scratch / ".nova-drill").touch()
    shutil.chown(scratch, owner)
    result: dict[str, t.Any] = {"engine": "postgresql", "source": source, "problems": [], "databases": []}
    process = None
    set_check: SetCheck | None = None
    data = scratch / "pg"
    timer = time.monotonic()
    try:
        set_dir = fetch_set(config, "postgresql", wanted, source, scratch)
        result["set"] = set_dir.name
        result["fetch_seconds"] = round(time.monotonic() - timer, 3)
        # Clients run as root (they read the root-only set); the scratch socket is 0700 and trusts its callers.
        scratch_pg = {**pg, "socket": str(scratch), "port": port, "user": "postgres", "run_as": ""}
        # The scratch data directory is copied from the template (made first if missing or stale) while the
        # set's small files are checked; the dumps' SHA-256s are computed while they restore (SetCheck).
        making = template_cluster(pg, owner, scratch, data)
        try:
            set_check = SetCheck(set_dir, result["problems"])
        finally:
            finish_template(making, scratch, data)
        globals_sql = (set_dir / "globals.sql").read_text() if (set_dir / "globals.sql").is_file() else ""
        if re.search(r"^CREATE TABLESPACE", globals_sql, re.M):
            raise BackupError(f"set {set_dir.name}: globals.sql creates tablespaces, which point at live paths; restore it by hand")
        settings = [value for setting in (*SCRATCH_SETTINGS, f"max_wal_size={wal_mb}MB") for value in ("-c", setting)]
        launched = time.time()
        with (scratch / "postgres.log").open("wb") as log:
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                ["runuser", "-u", owner, "--", f"{pg['bin']}/postgres", "-D", str(data), "-c", f"port={port}", "-c", "listen_addresses=",
                 "-c", f"unix_socket_directories={scratch}", "-c", "unix_socket_permissions=0700", *settings], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not postmaster_ready(data, launched):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BackupError(f"the scratch instance did not start: {(scratch / 'postgres.log').read_text()[-500:]}")
            time.sleep(0.01)
        # The scratch instance must be the one we started, never the live server.
        check = connect(scratch_pg, "postgres")
        with check.cursor() as cur:
            cur.execute("SELECT current_setting('port'), current_setting('data_directory')")
            found_port, found_dir = cur.fetchone()
        check.close()
        if int(found_port) != port or pathlib.Path(found_dir).resolve() != data:
            raise BackupError(f"connected to port {found_port}, {found_dir}: not the scratch instance; the drill stops")
        # From the set fetched to the scratch instance answering: the small files' SHA-256s, the template, the start.
        result["scratch_seconds"] = round(time.monotonic() - timer - result["fetch_seconds"], 3)
        if globals_sql:
            loaded = subprocess.run([*scratch_tool(scratch_pg, "psql"), "-X", "-q", "-d", "postgres", "-f", str(set_dir / "globals.sql")],
                                    capture_output=True, text=True, check=False)
            errors = [line for line in loaded.stderr.splitlines() if "ERROR" in line and 'role "postgres" already exists' not in line]
            result["problems"] += [f"globals.sql: {line.strip()}" for line in errors]
        for database in set_check.listing["databases"]:
            result["databases"].append(drill_database(scratch_pg, set_dir, database, set_check))
        set_check.settle()
    finally:
        stopping = time.monotonic()
        if set_check is not None:
            set_check.close()
        stop_scratch(data, process)
        clear_scratch(scratch)
        result["cleanup_seconds"] = round(time.monotonic() - stopping, 3)
    result["ok"] = not result["problems"] and bool(result["databases"]) and all(item["ok"] for item in result["databases"])
    return result


def parallel_hashes(pg: dict[str, t.Any], database: str, names: list[tuple[str, str]],
                    methods: dict[str, str]) -> list[dict[str, t.Any]]:
    """Hash the restored tables in min(cores, tables) sessions, largest first, each with the method its
    manifest names (``methods``, by schema.table): nothing writes to the scratch copy, so the sessions
    need no shared snapshot."""
    import concurrent.futures  # pylint: disable=import-outside-toplevel

    if not names:
        return []
    workers = max(1, min(os.cpu_count() or 1, len(names)))
    conns = [connect(pg, database) for _worker in range(workers)]
    try:
        with conns[0].cursor() as cur:
            cur.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " ORDER BY pg_total_relation_size(c.oid) DESC")
            order = {tuple(row): rank for rank, row in enumerate(cur.fetchall())}
        queue = sorted(names, key=lambda name: order.get(name, 0))
        lock = threading.Lock()

        def work(conn: t.Any) -> list[dict[str, t.Any]]:
            done: list[dict[str, t.Any]] = []
            with conn.cursor() as cur:
                while True:
                    with lock:
                        if not queue:
                            return done
                        schema, table = queue.pop(0)
                    done.append(table_hash(cur, schema, table, methods.get(f"{schema}.{table}")))

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            results = [row for batch in pool.map(work, conns) for row in batch]
    finally:
        for conn in conns:
            conn.close()
    return sorted(results, key=lambda entry: entry["name"])


class LoadedHashes:
    """Hashes each table of a restore as soon as pg_restore has loaded it, in min(cores, 2) sessions,
    while later tables load and the post-data section builds their indexes. Each hash is its own
    transaction: its ACCESS SHARE lock ends with it, so an index build waits at most one hash.
    What was not hashed early (an unknown name, a parent table, a failed session) is hashed by
    ``finish`` once the restore has ended."""

    def __init__(self, pg: dict[str, t.Any], database: str, methods: dict[str, str]) -> None:
        import queue  # pylint: disable=import-outside-toplevel

        self.pg, self.database, self.methods = pg, database, methods
        self.pending: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.done: dict[tuple[str, str], dict[str, t.Any]] = {}
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self.work, daemon=True) for _worker in range(max(1, min(os.cpu_count() or 1, 2)))]
        for worker in self.workers:
            worker.start()

    def loaded(self, qualified: str) -> None:
        self.pending.put(qualified)

    def work(self) -> None:
        conn = None
        try:
            while (qualified := self.pending.get()) is not None:
                conn = conn or connect(self.pg, self.database)
                with conn.cursor() as cur:
                    cur.execute(LOADED_TABLE, (qualified,))
                    found = cur.fetchall()
                    entry = table_hash(cur, str(found[0][0]), str(found[0][1]), self.methods.get(qualified)) if len(found) == 1 else None
                conn.commit()
                if entry is not None:
                    with self.lock:
                        self.done[found[0]] = entry
        except Exception:  # pylint: disable=broad-exception-caught  # what this session missed is hashed by finish()
            return
        finally:
            if conn is not None:
                conn.close()

    def finish(self, names: list[tuple[str, str]]) -> list[dict[str, t.Any]]:
        for _worker in self.workers:
            self.pending.put(None)
        for worker in self.workers:
            worker.join()
        rest = [name for name in names if name not in self.done]
        hashed = [self.done[name] for name in names if name in self.done]
        return sorted(hashed + (parallel_hashes(self.pg, self.database, rest, self.methods) if rest else []),
                      key=lambda entry: entry["name"])


def restore_order(listing: str, tables: list[dict[str, t.Any]]) -> str | None:
    """A ``pg_restore -L`` list that loads the tables largest first (by the manifest's rows) and adds
    their PRIMARY KEY, UNIQUE and EXCLUDE constraints in the same order; None keeps the archive's order.

    An early hash holds ACCESS SHARE on its table, which such a constraint (ALTER TABLE, ACCESS
    EXCLUSIVE) waits for. In this order each table is hashed while smaller ones load, and a table's
    constraint comes after those of the tables loaded before it, so no hash delays the restore.
    Indexes (CREATE INDEX takes SHARE) and every other entry keep their places; a data or constraint
    entry that names no manifest table, or more than one, keeps the archive's order for all."""
    rank = {f"{schema} {name} ": index for index, (schema, name) in enumerate(
        entry["name"].split(".", 1) for entry in sorted(tables, key=lambda entry: -int(entry["rows"])))}
    entries = [line for line in listing.splitlines() if line and not line.startswith(";")]
    slots: dict[str, list[int]] = {"TABLE DATA ": [], "CONSTRAINT ": []}
    keys: dict[int, int] = {}
    for position, line in enumerate(entries):
        matched = RESTORE_LIST_ENTRY.match(line)
        rest = matched.group(1) if matched else ""
        kind = next((kind for kind in slots if rest.startswith(kind)), None)
        if kind is None:
            continue
        found = [index for prefix, index in rank.items() if rest[len(kind):].startswith(prefix)]
        if len(found) != 1:
            return None
        slots[kind].append(position)
        keys[position] = found[0]
    ordered = list(entries)
    for positions in slots.values():
        for slot, position in zip(positions, sorted(positions, key=lambda position: (keys[position], position))):
            ordered[slot] = entries[position]
    return "\n".join(ordered) + "\n" if ordered != entries else None


def restore_hashing(command: list[str], hashes: LoadedHashes) -> tuple[int, list[str]]:
    """pg_restore -v, handing each table to ``hashes`` when its data is in; its exit code and stderr lines."""
    lines: list[str] = []
    loading = None
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,  # pylint: disable=consider-using-with
                          env=dict(os.environ, LC_ALL="C")) as restore:
        assert restore.stderr is not None
        for line in restore.stderr:
            line = line.rstrip("\n")
            lines.append(line)
            if loading is not None and RESTORE_ENTRY.match(line):
                hashes.loaded(loading)
                loading = None
            found = RESTORE_DATA.match(line)
            if found:
                loading = found.group(1)
    # The last table's data ended with pg_restore; finish() hashes whatever is left.
    return restore.returncode, lines


def restore_in_one_transaction(scratch_pg: dict[str, t.Any], dump: pathlib.Path, database: str,
                               check: SetCheck | None = None) -> tuple[int, str]:
    """The drill's fast path: the database from the archive's own DATABASE entry (pg_restore -C of that
    entry alone, as -C would make it), then every other entry in one transaction (pg_restore -1). In the
    scratch instance (wal_level=minimal) a table created and loaded in one transaction, and its indexes,
    write no WAL. ``check`` stops the restore if the dump turns out damaged while it runs. Returns
    pg_restore's exit code and its last error line."""
    base = scratch_tool(scratch_pg, "pg_restore")
    listed = subprocess.run([*base, "-l", str(dump)], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        return listed.returncode, listed.stderr.strip()[-300:]
    entries = [line for line in listed.stdout.splitlines()
               if (matched := RESTORE_LIST_ENTRY.match(line)) and matched.group(1).startswith("DATABASE ")]
    listing = pathlib.Path(scratch_pg["socket"], f"{database}.database.list")
    write_atomic(listing, "\n".join(entries) + "\n", 0o600)
    create = ([*base, "-C", "-L", str(listing), "-d", "postgres", str(dump)] if entries else
              [*scratch_tool(scratch_pg, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres",
               "-c", f"CREATE DATABASE {quote_ident(database)} TEMPLATE template0"])
    for step, reads_the_data in ((create, False), ([*base, "-1", "-d", database, str(dump)], True)):
        with subprocess.Popen(step, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # pylint: disable=consider-using-with
                              env=dict(os.environ, LC_ALL="C")) as done:
            if check is not None and reads_the_data:
                check.watch(dump.name, done)
            _out, stderr = done.communicate()
        if done.returncode != 0:
            return done.returncode, next((line.strip() for line in reversed(stderr.splitlines()) if "error" in line.lower()),
                                         stderr.strip()[-300:] or (f"stopped by signal {-done.returncode}" if done.returncode < 0
                                                                   else f"exit code {done.returncode}"))
    return 0, ""


def scratch_tool(scratch_pg: dict[str, t.Any], tool: str) -> list[str]:
    """A PostgreSQL client on the scratch instance's socket, as its superuser."""
    return [*client(scratch_pg, tool), "-h", scratch_pg["socket"], "-p", str(scratch_pg["port"]), "-U", "postgres"]


def drop_scratch_database(scratch_pg: dict[str, t.Any], database: str) -> None:
    subprocess.run([*scratch_tool(scratch_pg, "psql"), "-X", "-q", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {quote_ident(database)}"],
                   capture_output=True, text=True, check=False)


def drill_database(scratch_pg: dict[str, t.Any], set_dir: pathlib.Path, database: str, check: SetCheck) -> dict[str, t.Any]:
    """Restore one database into the scratch instance and compare it with its manifest. A sound dump is
    restored in one transaction and hashed after; a damaged one, or one that fails in one transaction,
    is restored table by table (each hashed as soon as it is in), so the problems name every table."""
    item: dict[str, t.Any] = {"database": database, "problems": []}
    dump = set_dir / f"{database}.dump"
    try:
        expected = json.loads((set_dir / f"{database}.manifest.json").read_text())
    except (OSError, ValueError) as exc:
        item.update(ok=False, problems=[f"{database}: no usable manifest ({exc})"])
        return item
    item["bytes"] = expected["dump"]["bytes"]
    # Each table is hashed as its manifest was: sets made before the ``columns`` method name ``record``.
    methods = {str(entry["name"]): str(entry.get("method", "record")) for entry in expected.get("tables", [])}
    started = time.monotonic()
    damaged_message = f"{database}: {dump.name} does not match its SHA-256 (the restore goes on to name the damaged tables)"
    if check.known_damaged(dump.name):
        item["problems"].append(damaged_message)
    else:
        # The dump's SHA-256 is still being computed: the restore starts, and the verdict is taken when it returns.
        returncode, error = restore_in_one_transaction(scratch_pg, dump, database, check)
        if check.damaged(dump.name):
            item["problems"].append(damaged_message)
            drop_scratch_database(scratch_pg, database)
            started = time.monotonic()
        elif returncode == 0:
            item["restore_mode"] = "one transaction"
            item["restore_seconds"] = round(time.monotonic() - started, 3)
            return compared(item, scratch_pg, set_dir, expected, lambda names: parallel_hashes(scratch_pg, database, names, methods), 0, "")
        else:
            drop_scratch_database(scratch_pg, database)
            item["restore_mode_reason"] = f"one transaction failed ({error}); restored again table by table"
    hashes = LoadedHashes(scratch_pg, database, methods)
    # The archive's table of contents, reordered for the early hashes (a damaged dump may not list: then as it is).
    listed = subprocess.run([*client(scratch_pg, "pg_restore"), "-l", str(dump)], capture_output=True, text=True, check=False)
    order = restore_order(listed.stdout, expected.get("tables", [])) if listed.returncode == 0 else None
    if order is not None:
        write_atomic(pathlib.Path(scratch_pg["socket"], f"{database}.list"), order, 0o600)
    chosen = ["-L", str(pathlib.Path(scratch_pg["socket"], f"{database}.list"))] if order is not None else []
    returncode, stderr = restore_hashing([*scratch_tool(scratch_pg, "pg_restore"), "-v", "-C", *chosen, "-d", "postgres", str(dump)], hashes)
    item["restore_mode"] = "table by table, largest first" if order is not None else "table by table"
    item["restore_seconds"] = round(time.monotonic() - started, 3)
    last_error = next((line.strip() for line in reversed(stderr) if "error" in line.lower()), "")
    compared(item, scratch_pg, set_dir, expected, hashes.finish, returncode, last_error)
    item["hashed_while_restoring"] = len(hashes.done)
    return item


def compared(item: dict[str, t.Any], scratch_pg: dict[str, t.Any], set_dir: pathlib.Path, expected: dict[str, t.Any],
             hash_tables: HashTables, returncode: int, last_error: str) -> dict[str, t.Any]:
    """The restored database's manifest against the one taken at dump time: item's problems, compare_seconds and ok."""
    database = item["database"]
    started = time.monotonic()
    try:
        conn = connect(scratch_pg, database)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # psycopg2.OperationalError: not restored at all
        hash_tables([])
        item["problems"].append(f"{database}: not restored ({last_error or str(exc).strip()})")
        item["ok"] = False
        return item
    try:
        conn.set_session(readonly=True)
        found = database_manifest(conn, hash_tables)
    finally:
        conn.close()
    # The time the comparison added after the restore (table by table, most tables were hashed while later ones loaded).
    item["compare_seconds"] = round(time.monotonic() - started, 3)
    differences = compare(expected, found, f" of set {set_dir.name}")
    reason = f" ({last_error})" if last_error and returncode != 0 else ""
    item["problems"] += [f"{database}: {line}{reason if 'rows restored' in line or 'missing' in line else ''}" for line in differences]
    if returncode != 0 and not differences:
        item["problems"].append(f"{database}: pg_restore exited {returncode} ({last_error})")
    item["ok"] = not item["problems"]
    return item


def early(item: dict[str, t.Any]) -> str:
    count = item.get("hashed_while_restoring")
    return f" more ({count} table{'s' if count != 1 else ''} hashed while the restore ran)" if count is not None else ""


def mode(item: dict[str, t.Any]) -> str:
    """How the database was restored, and why not in one transaction when it was not."""
    why = f": {item['restore_mode_reason']}" if item.get("restore_mode_reason") else ""
    return f" ({item['restore_mode']}{why})" if item.get("restore_mode") else ""


def drill_checks(entry: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    """The drill's result as nova.dgx.checks rows: one per database, one for the set when it has problems of its own."""
    where = f"set {entry.get('set', '?')} from {entry.get('source', '?')}"
    what = "every collection" if entry.get("engine") == "mongodb" else "every table, sequence and large object"
    # PostgreSQL's rows keep their names; MongoDB's name the engine, as a host may have a database of the same name in both.
    label = "restore drill mongodb" if entry.get("engine") == "mongodb" else "restore drill"
    checks = [{"name": f"{label} {item['database']}", "ok": bool(item["ok"]),
               "detail": (f"{where}: {item.get('bytes', 0)} bytes restored{mode(item)} in {item.get('restore_seconds', '?')} s, compared in"
                          f" {item.get('compare_seconds', '?')} s{early(item)}; {what} matches the manifest")
               if item["ok"] else "; ".join(item["problems"])} for item in entry.get("databases", [])]
    trouble = ([entry["error"]] if entry.get("error") else []) + entry.get("problems", [])
    if trouble or not checks:
        checks.append({"name": label, "ok": False, "detail": "; ".join(trouble) or f"{where}: no database in the set"})
    return checks


def run_drill(config: dict[str, t.Any], engine: str, wanted: str | None, source: str) -> dict[str, t.Any]:
    started = utc_now()
    entry: dict[str, t.Any] = {"run": f"{stamp(started)}-{engine}-drill", "kind": "drill", "engine": engine,
                               "host": config.get("host", ""), "started": started.isoformat()}

    def work() -> dict[str, t.Any]:
        with locked(engine):
            if engine == "mongodb":
                load_engines()
                import nova_backup_mongodb  # pylint: disable=import-outside-toplevel,import-error  # beside this file

                return nova_backup_mongodb.drill(config, wanted, source)
            return drill_postgresql(config, wanted, source)

    guarded(entry, work)
    entry["checks"] = drill_checks(entry)
    metrics: list[Metric] = [("nova_backup_drill_last_run_ok", {"engine": engine}, 1 if entry["ok"] else 0)]
    if entry["ok"]:
        metrics.append(("nova_backup_drill_last_success_timestamp_seconds", {"engine": engine}, round(time.time())))
    write_status(config, metrics)
    record_run(config, entry)
    return entry


def check_timer(path: str) -> int:
    """Validate a timer unit's OnCalendar= expressions with systemd before the unit replaces the live one."""
    expressions = [line.split("=", 1)[1].strip() for line in pathlib.Path(path).read_text().splitlines() if line.startswith("OnCalendar=")]
    for expression in expressions:
        done = subprocess.run(["systemd-analyze", "calendar", expression], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"OnCalendar={expression}: {done.stderr.strip()} (write it as systemd.time(7) describes, such as *-*-* 01:30:00)",
                  file=sys.stderr)
            return 1
    return 0 if expressions else 1


def status(config: dict[str, t.Any]) -> dict[str, t.Any]:
    """What verify reads: the last backup and drill runs, and the complete sets on disk."""
    runs = pathlib.Path(config.get("runs_file") or "/var/lib/nova-backup/runs.jsonl")
    entries = [json.loads(line) for line in runs.read_text().splitlines() if line.startswith("{")] if runs.is_file() else []
    per_engine = {}
    for engine in engines(config):
        last = {kind: next((e for e in reversed(entries) if e.get("kind") == kind and e.get("engine", "postgresql") == engine), None)
                for kind in ("backup", "drill")}
        age = None
        if last["backup"] and last["backup"].get("finished"):
            age = round((utc_now() - dt.datetime.fromisoformat(last["backup"]["finished"])).total_seconds() / 3600, 2)
        per_engine[engine] = {"last_backup": last["backup"], "last_backup_age_hours": age, "last_drill": last["drill"],
                              "sets": [p.name for p in complete_sets(pathlib.Path(config["backup_dir"], engine))]}
    units = {}
    names = [f"nova-backup-{name}.{kind}" for kind in ("timer", "service") for name in [*engines(config), "check"]]
    for unit in sorted(names, key=lambda unit: (not unit.endswith(".timer"), unit)):
        shown = subprocess.run(["systemctl", "show", "--property=ActiveState,UnitFileState,NeedDaemonReload", unit], capture_output=True,
                               text=True, check=False).stdout
        units[unit] = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    ready = restic_ready_file(config)
    # The repository opened with this URL, password and SFTP command before: the role need not ask restic again.
    restic_ready = bool(config.get("restic")) and ready.is_file() and ready.read_text().strip() == restic_fingerprint(config)
    # The top-level keys are PostgreSQL's (what verify reads); "engines" has each engine's.
    return {"ok": True, **per_engine["postgresql"], "engines": per_engine, "restic_ready": restic_ready,
            "runs_sha256": hashlib.sha256(runs.read_bytes()).hexdigest() if runs.is_file() else "",
            "timers": {name: state for name, state in units.items() if name.endswith(".timer")},
            "need_daemon_reload": sorted(name for name, state in units.items() if state.get("NeedDaemonReload") == "yes")}


# ---------------------------------------------------------------- command line


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "check-timer":
        return check_timer(argv[1])
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    config = load_config(argv[0])
    command, rest = argv[1], argv[2:]
    if command in ("backup", "drill") and rest[:1] and rest[0] in ENGINES and rest[0] not in engines(config):
        print(json.dumps({"ok": False, "error": f"no {rest[0]} object in {argv[0]}: the {rest[0]} engine is not configured"}))
        return 1
    if command == "backup" and len(rest) == 1 and rest[0] in ENGINES:
        result = run_backup(config, rest[0])
    elif command == "drill" and rest[:1] and rest[0] in ENGINES:
        options = dict(zip(rest[1::2], rest[2::2]))
        if set(options) - {"--set", "--from"} or options.get("--from", "local") not in ("local", "restic") or len(rest) % 2 == 0:
            print(__doc__, file=sys.stderr)
            return 64
        result = run_drill(config, rest[0], options.get("--set"), options.get("--from", "local"))
    elif command == "status" and not rest:
        result = status(config)
    elif (command == "restic-init" and rest in ([], ["--check"])) or (command == "check" and not rest):
        if not config.get("restic"):
            print(json.dumps({"ok": False, "error": "no restic repository is configured (backup_restic_repository)"}))
            return 1
        result = guarded({}, lambda: restic_init(config, rest == ["--check"]) if command == "restic-init" else restic_check(config))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    print(json.dumps(result, sort_keys=True))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
