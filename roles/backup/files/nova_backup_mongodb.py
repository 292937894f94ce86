# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MongoDB engine of nova.dgx's backup tool: nova_backup.py imports it for `backup mongodb` and
`drill mongodb`, and it uses nova_backup's sets, retention, restic, status and run records.

A set is BACKUP_DIR/mongodb/<UTC time>Z, written as .part and completed like PostgreSQL's, holding
per database D the archive D.archive.gz (`mongodump --db D --archive --gzip`) and D.manifest.json
(per collection the documents and an order-independent hash, read from the archive itself by
_mongo_archive), and admin-users / admin-roles archives of admin.system.users and
admin.system.roles. Passwords reach mongodump and mongorestore in a --config file (0600, in a 0700
directory, removed afterwards), never on a command line or in the environment.

The drill restores each archive into a scratch mongod (its own port, directory and user, never the
live one), dumps it again and compares that archive's manifest with the stored one. The users and
roles archives are checked against their checksums and manifests, not restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t

_HERE = str(pathlib.Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
import nova_backup as tool  # noqa: E402  # pylint: disable=wrong-import-position  # beside this file

if t.TYPE_CHECKING:
    from ansible_collections.nova.dgx.plugins.module_utils import _mongo_archive
else:
    import _mongo_archive  # noqa: E402  # pylint: disable=wrong-import-position,import-error  # installed beside this file

BackupError = tool.BackupError
SYSTEM_DATABASES = ("admin", "local", "config")
# Users and roles, dumped once per set; mongodump takes one --collection per run, so two archives.
USERS_AND_ROLES = {"admin-users": "system.users", "admin-roles": "system.roles"}
# A database name that is also a safe file name (MongoDB forbids /\. "$ on Linux; *<>:|? on Windows).
DATABASE_NAME = re.compile(r'^[^/\\. "$*<>:|?\x00]{1,63}$')
DRILL_USER = "nova_drill"
CHUNK = 1 << 20


def list_databases(mongo: dict[str, t.Any], password: str) -> list[str]:
    """The live server's databases, through pymongo (Debian's python3-pymongo; tests replace this function)."""
    import pymongo  # pylint: disable=import-outside-toplevel,import-error

    client = pymongo.MongoClient(host=mongo["host"], port=int(mongo["port"]), username=mongo["user"], password=password,
                                 authSource=mongo["auth_database"], serverSelectionTimeoutMS=15000)
    try:
        return sorted(str(name) for name in client.list_database_names())
    finally:
        client.close()


def live_size(mongo: dict[str, t.Any], password: str, databases: list[str]) -> int:
    """Bytes of the live databases' data and indexes (dbStats), what a restore writes at most."""
    import pymongo  # pylint: disable=import-outside-toplevel,import-error

    client = pymongo.MongoClient(host=mongo["host"], port=int(mongo["port"]), username=mongo["user"], password=password,
                                 authSource=mongo["auth_database"], serverSelectionTimeoutMS=15000)
    try:
        return sum(int(stats.get("dataSize", 0)) + int(stats.get("indexSize", 0))
                   for stats in (client[name].command("dbStats") for name in databases))
    finally:
        client.close()


def create_drill_admin(port: int, user: str, password: str) -> dict[str, t.Any]:
    """The scratch mongod's first user (root), created through the localhost exception over 127.0.0.1;
    then, logged in as it, the server's parsed options, to prove it is the scratch instance."""
    import pymongo  # pylint: disable=import-outside-toplevel,import-error

    client = pymongo.MongoClient(host="127.0.0.1", port=port, serverSelectionTimeoutMS=15000)
    try:
        client.admin.command("createUser", user, pwd=password, roles=["root"])
    finally:
        client.close()
    client = pymongo.MongoClient(host="127.0.0.1", port=port, username=user, password=password, authSource="admin",
                                 serverSelectionTimeoutMS=15000)
    try:
        return dict(client.admin.command("getCmdLineOpts")["parsed"])
    finally:
        client.close()


def read_password(mongo: dict[str, t.Any]) -> str:
    path = pathlib.Path(mongo["password_file"])
    try:
        mode = path.stat().st_mode & 0o777
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise BackupError(f"mongodb.password_file {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise BackupError(f"mongodb.password_file {path} has mode {mode:04o}: others may read it; it must be 0600")
    if not lines or not lines[0]:
        raise BackupError(f"mongodb.password_file {path} is empty: it holds the backup user's password on one line")
    return lines[0]


@contextlib.contextmanager
def password_config(password: str) -> t.Iterator[str]:
    """A mongo-tools --config file holding only the password (a JSON string is a YAML double-quoted
    scalar), 0600 in a 0700 directory of its own, removed when the block ends."""
    directory = tempfile.mkdtemp(prefix="nova-backup-mongodb-")
    path = os.path.join(directory, "tools.yaml")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"password: {json.dumps(password)}\n")
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def login(config_file: str, host: str, port: int, user: str, auth_database: str) -> list[str]:
    return [f"--config={config_file}", "--host", host, "--port", str(port), "--username", user, "--authenticationDatabase", auth_database]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def stream_dump(command: list[str], target: pathlib.Path | None, verify_crc: bool, label: str) -> tuple[dict[str, t.Any], str, int]:
    """Run a mongodump that writes its archive to stdout and read the stream once: into ``target``
    (when given, created 0600), into a SHA-256, and through a pipe into _mongo_archive.manifest on a
    thread. Returns (the manifest, the SHA-256, the bytes); a failed mongodump or a damaged archive
    raises BackupError starting with ``label`` (and naming the collection the archive names)."""
    reader, writer = os.pipe()
    parsed: dict[str, t.Any] = {}

    def parse() -> None:
        with os.fdopen(reader, "rb") as stream:
            try:
                parsed["manifest"] = _mongo_archive.manifest(stream, verify_crc=verify_crc)
            except Exception as exc:  # pylint: disable=broad-exception-caught  # reported by the caller
                parsed["error"] = exc

    thread = threading.Thread(target=parse, name="mongo-archive-manifest", daemon=True)
    thread.start()
    digest, size, stopped = hashlib.sha256(), 0, False
    process: subprocess.Popen[bytes] | None = None
    with tempfile.TemporaryFile() as errors, contextlib.ExitStack() as stack:
        try:
            out = stack.enter_context(os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")) if target else None
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)  # pylint: disable=consider-using-with
            assert process.stdout is not None
            while chunk := os.read(process.stdout.fileno(), CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
                try:
                    _write_all(writer, chunk)
                except BrokenPipeError:  # the manifest stopped at damage: so does the dump
                    stopped = True
                    process.kill()
                    break
            if out is not None:
                out.flush()
                os.fsync(out.fileno())
        finally:
            os.close(writer)  # the manifest sees the end of the stream
            if process is not None:
                if process.poll() is None and sys.exc_info()[0] is not None:
                    process.kill()
                process.wait()
                if process.stdout is not None:
                    process.stdout.close()
            thread.join()
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace").strip()[-500:]
    assert process is not None
    damage = parsed.get("error")
    archive = f"the archive: {damage}" if isinstance(damage, _mongo_archive.ArchiveError) else f"reading the archive: {damage!r}"
    if process.returncode != 0 and not stopped:
        how = f"was killed by {signal_name(-process.returncode)}" if process.returncode < 0 else f"exited {process.returncode}"
        raise BackupError(f"{label}: mongodump {how}" + (f": {tail}" if tail else "") + (f"; {archive}" if damage else ""))
    if damage:
        raise BackupError(f"{label}: {archive}")
    return parsed["manifest"], digest.hexdigest(), size


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def collections_of(manifest: dict[str, t.Any], database: str, label: str) -> dict[str, dict[str, t.Any]]:
    """_mongo_archive's list of namespaces as {collection: {count, hash}} of one database."""
    found = {}
    for entry in manifest["collections"]:
        if not entry["name"].startswith(f"{database}."):
            raise BackupError(f"{label}: the archive holds {entry['name']}, outside database {database}")
        found[entry["name"][len(database) + 1:]] = {"count": int(entry["documents"]), "hash": str(entry["hash"])}
    return found


# ---------------------------------------------------------------- backup


def backup(config: dict[str, t.Any]) -> dict[str, t.Any]:
    mongo = config["mongodb"]
    password = read_password(mongo)
    listed = list(mongo["databases"]) or [name for name in list_databases(mongo, password) if name not in SYSTEM_DATABASES]
    for name in listed:
        if name in SYSTEM_DATABASES or name in USERS_AND_ROLES or not DATABASE_NAME.match(name):
            raise BackupError(f"mongodb.databases: {name!r} cannot be backed up as a database of its own (admin, local and config are not,"
                              " users and roles go into admin-users and admin-roles, and a name must be a file name without . or spaces)")
    part, now, removed = tool.start_set(config, "mongodb")
    databases = []
    with password_config(password) as config_file:
        credentials = login(config_file, mongo["host"], int(mongo["port"]), mongo["user"], mongo["auth_database"])
        # No --oplog: a standalone server has none. Without a snapshot (mongodump has no equivalent of
        # pg_dump --snapshot on a standalone) each collection is read consistently on its own, not the
        # database as one; the manifest is read from the archive itself, so it describes exactly what was dumped.
        for database in listed:
            started = time.monotonic()
            manifest = dump(config, part, database, database, [*credentials, "--db", database])
            manifest["durations"] = {"dump_and_hash": round(time.monotonic() - started, 3)}
            write_manifest(part, database, manifest)
            databases.append({"database": database, "bytes": manifest["size"], "collections": len(manifest["collections"]),
                              "seconds": manifest["durations"]["dump_and_hash"]})
        for stem, collection in USERS_AND_ROLES.items():
            manifest = dump(config, part, stem, "admin", [*credentials, "--db", "admin", "--collection", collection])
            write_manifest(part, stem, manifest)
    return {**tool.finish_set(config, "mongodb", part, now, listed, removed), "databases": databases}


def dump(config: dict[str, t.Any], part: pathlib.Path, stem: str, database: str, options: list[str]) -> dict[str, t.Any]:
    """One mongodump into STEM.archive.gz (written as .part, renamed when whole) and its manifest."""
    mongo = config["mongodb"]
    partial = part / f"{stem}.archive.gz.part"
    label = f"{database}" if stem == database else f"{stem} (admin.{USERS_AND_ROLES[stem]})"
    dumped_at = tool.utc_now().isoformat()
    manifest, digest, size = stream_dump([str(pathlib.Path(mongo["bin"], "mongodump")), *options, "--archive", "--gzip"], partial,
                                         bool(mongo["verify_crc"]), label)
    archive = partial.with_name(f"{stem}.archive.gz")
    os.rename(partial, archive)
    return {"format": tool.FORMAT, "engine": "mongodb", "host": config.get("host", ""), "site": config.get("site", ""),
            "set": part.name.removesuffix(".part"), "database": database, "file": archive.name, "size": size, "sha256": digest,
            "dumped_at": dumped_at, "collections": collections_of(manifest, database, label)}


def write_manifest(part: pathlib.Path, stem: str, manifest: dict[str, t.Any]) -> None:
    tool.write_atomic(part / f"{stem}.manifest.json", json.dumps(manifest, indent=1, sort_keys=True) + "\n", 0o600)


# ---------------------------------------------------------------- the restore drill


def refusals(config: dict[str, t.Any]) -> list[str]:
    """Why the scratch mongod could be, or touch, the live one; checked before anything is created."""
    mongo = config["mongodb"]
    port, scratch = int(mongo["drill_port"]), pathlib.Path(mongo["drill_dir"]).resolve()
    problems = []
    if port == int(mongo["port"]):
        problems.append(f"mongodb.drill_port {port} is the live server's port (mongodb.port): the scratch mongod must never be the live"
                        " one; pick another port (default 27117)")
    elif tool.port_in_use(str(scratch), port) or pathlib.Path(f"/tmp/mongodb-{port}.sock").exists():
        problems.append(f"mongodb.drill_port {port} is in use: something listens there; pick a free port")
    for field, live in (("mongodb.db_path", pathlib.Path(mongo["db_path"]).resolve()), ("backup_dir", pathlib.Path(config["backup_dir"]).resolve())):
        # Inside the live data, or holding it: the drill removes its directory afterwards.
        relation = "is" if scratch == live else "is inside" if live in scratch.parents else "holds" if scratch in live.parents else ""
        if relation:
            problems.append(f"mongodb.drill_dir {scratch} {relation} {live} ({field}), which the live server or the backups use;"
                            " choose a scratch directory of its own")
    if scratch.exists() and not (scratch / ".nova-drill").exists():
        problems.append(f"mongodb.drill_dir {scratch} exists and is not a drill's: remove it or choose another")
    return problems


def space_problem(config: dict[str, t.Any], password: str) -> str:
    """The restored databases and a fetched set must fit: the scratch directory may share the live server's filesystem."""
    mongo = config["mongodb"]
    sets = tool.complete_sets(pathlib.Path(config["backup_dir"], "mongodb"))
    set_bytes = sum(p.stat().st_size for p in sets[-1].iterdir() if p.is_file()) if sets else 0
    databases = json.loads((sets[-1] / "SET.json").read_text())["databases"] if sets else list(mongo["databases"])
    try:
        live = live_size(mongo, password, databases)
    except Exception:  # pylint: disable=broad-exception-caught  # no dbStats: a gzip archive rarely grows more than tenfold
        live = 10 * set_bytes
    need = int(live * 1.2) + 2 * set_bytes + (256 << 20)
    directory = pathlib.Path(mongo["drill_dir"]).resolve()
    existing = next(p for p in [directory, *directory.parents] if p.exists())
    stats = os.statvfs(existing)
    free = stats.f_bavail * stats.f_frsize
    if free < need:
        return (f"the drill needs about {need >> 20} MiB in {existing} (the databases, {live >> 20} MiB, restored once, and the set"
                f" fetched), and {free >> 20} MiB are free: free space there or set mongodb.drill_dir on a larger filesystem")
    return ""


def as_user(mongo: dict[str, t.Any], program: str) -> list[str]:
    return ["runuser", "-u", mongo["run_as"], "--", program] if mongo.get("run_as") else [program]


def start_scratch(mongo: dict[str, t.Any], scratch: pathlib.Path) -> subprocess.Popen[bytes]:
    """A mongod of its own in ``scratch``: TCP on 127.0.0.1 only, its socket in a 0700 directory, auth on."""
    port = int(mongo["drill_port"])
    for sub in ("data", "sock"):
        (scratch / sub).mkdir(mode=0o700)
        if mongo.get("run_as"):
            shutil.chown(scratch / sub, mongo["run_as"])
    command = [*as_user(mongo, str(pathlib.Path(mongo["bin"], "mongod"))), "--dbpath", str(scratch / "data"), "--port", str(port),
               "--bind_ip", "127.0.0.1", "--unixSocketPrefix", str(scratch / "sock"), "--auth", "--quiet", "--logpath",
               str(scratch / "mongod.log"), "--pidfilepath", str(scratch / "sock/mongod.pid"),
               "--wiredTigerCacheSizeGB", str(mongo["drill_cache_gb"])]  # beside the live server: a small cache
    with (scratch / "mongod.out").open("wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
    deadline = time.monotonic() + float(mongo["start_seconds"])
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            state = f"exited {process.returncode}" if process.returncode is not None else f"was not listening after {mongo['start_seconds']} s"
            stop_scratch(mongo, scratch, process)
            logs = "".join(path.read_text(errors="replace") for path in (scratch / "mongod.out", scratch / "mongod.log") if path.is_file())
            raise BackupError(f"the scratch mongod on port {port} {state}: {logs.strip()[-500:]}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)


def scratch_pid(scratch: pathlib.Path) -> int | None:
    """The scratch mongod's pid from its pid file, when that process runs with the scratch dbpath (and is no zombie)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((scratch / "sock/mongod.pid").read_text().split()[0])
        if str(scratch / "data").encode() in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
            return pid
    return None


def stop_scratch(mongo: dict[str, t.Any], scratch: pathlib.Path, process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to the scratch mongod, SIGKILL after ``stop_seconds``. Its own pid when known: runuser,
    whose pid ``process`` has when run_as is set, answers SIGTERM by killing its child 2 s later."""
    if process is None:
        return
    pid = scratch_pid(scratch)
    if pid is not None or process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid or process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=float(mongo["stop_seconds"]))
    for target in [scratch_pid(scratch), process.pid if process.poll() is None else None]:
        if target is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, signal.SIGKILL)
    process.wait(timeout=10)


def drill(config: dict[str, t.Any], wanted: str | None, source: str) -> dict[str, t.Any]:
    mongo = config["mongodb"]
    refused = refusals(config)
    if not refused:
        refused = [problem for problem in [space_problem(config, read_password(mongo))] if problem]
    if refused:
        raise BackupError("; ".join(refused))
    scratch = pathlib.Path(mongo["drill_dir"]).resolve()
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True, mode=0o700)
    (scratch / ".nova-drill").touch()
    if mongo.get("run_as"):
        shutil.chown(scratch, mongo["run_as"])
    result: dict[str, t.Any] = {"engine": "mongodb", "source": source, "problems": [], "databases": []}
    process = None
    timer = time.monotonic()
    try:
        set_dir = tool.fetch_set(config, "mongodb", wanted, source, scratch)
        result["set"] = set_dir.name
        result["fetch_seconds"] = round(time.monotonic() - timer, 3)
        listing, damaged = tool.check_set(set_dir, result["problems"])
        result["users"] = verify_users(set_dir, damaged, result["problems"])
        process = start_scratch(mongo, scratch)
        password = secrets.token_urlsafe(24)
        parsed = create_drill_admin(int(mongo["drill_port"]), DRILL_USER, password)
        found_port, found_dir = parsed.get("net", {}).get("port"), parsed.get("storage", {}).get("dbPath", "")
        if found_port != int(mongo["drill_port"]) or pathlib.Path(found_dir).resolve() != scratch / "data":
            raise BackupError(f"connected to port {found_port}, dbPath {found_dir}: not the scratch instance; the drill stops")
        with password_config(password) as config_file:
            credentials = login(config_file, "127.0.0.1", int(mongo["drill_port"]), DRILL_USER, "admin")
            for database in listing["databases"]:
                result["databases"].append(drill_database(mongo, credentials, set_dir, database, damaged))
    finally:
        stop_scratch(mongo, scratch, process)
        shutil.rmtree(scratch, ignore_errors=True)
    result["ok"] = not result["problems"] and bool(result["databases"]) and all(item["ok"] for item in result["databases"])
    return result


def verify_users(set_dir: pathlib.Path, damaged: set[str], problems: list[str]) -> str:
    """The users and roles archives, read whole and compared with their manifests; they are not restored
    (a scratch instance needs none of the live users, and restoring them would only prove mongorestore)."""
    before = len(problems)
    for stem, collection in USERS_AND_ROLES.items():
        archive = set_dir / f"{stem}.archive.gz"
        if archive.name in damaged:
            continue  # named by the checksums
        if not archive.is_file():
            problems.append(f"set {set_dir.name}: {archive.name} (admin.{collection}) is missing")
            continue
        try:
            expected = json.loads((set_dir / f"{stem}.manifest.json").read_text())
            with archive.open("rb") as stream:
                found = collections_of(_mongo_archive.manifest(stream), "admin", archive.name)
        except (OSError, ValueError, BackupError) as exc:
            problems.append(f"{archive.name} (admin.{collection}): {exc}")
            continue
        problems += [f"{archive.name}: {line}" for line in compare(expected["collections"], found, f" of set {set_dir.name}", "the archive")]
    whole = len(problems) == before and not damaged & {f"{stem}.archive.gz" for stem in USERS_AND_ROLES}
    return "verified, not restored" if whole else "damaged, not restored"


def compare(expected: dict[str, dict[str, t.Any]], found: dict[str, dict[str, t.Any]], label: str, found_in: str = "") -> list[str]:
    """nova_backup.compare_counts over two {collection: {count, hash}}: what differs, one line per collection."""
    return tool.compare_counts({name: (int(entry["count"]), str(entry["hash"])) for name, entry in expected.items()},
                               {name: (int(entry["count"]), str(entry["hash"])) for name, entry in found.items()},
                               "collection", "documents", f"the manifest{label}", found_in)


def drill_database(mongo: dict[str, t.Any], credentials: list[str], set_dir: pathlib.Path, database: str,
                   damaged: set[str]) -> dict[str, t.Any]:
    """Restore one archive into the scratch mongod, dump it again, compare the manifests."""
    item: dict[str, t.Any] = {"database": database, "problems": []}
    archive = set_dir / f"{database}.archive.gz"
    try:
        expected = json.loads((set_dir / f"{database}.manifest.json").read_text())
    except (OSError, ValueError) as exc:
        item.update(ok=False, problems=[f"{database}: no usable manifest ({exc})"])
        return item
    item["bytes"] = expected["size"]
    if archive.name in damaged:
        item["problems"].append(f"{database}: {archive.name} does not match its SHA-256 (the restore goes on to name the damaged collections)")
    started = time.monotonic()
    with archive.open("rb") as stdin:
        restored = subprocess.run([str(pathlib.Path(mongo["bin"], "mongorestore")), *credentials, "--archive", "--gzip",
                                   "--nsInclude", f"{database}.*"], stdin=stdin, capture_output=True, text=True, check=False)
    item["restore_seconds"] = round(time.monotonic() - started, 3)
    last_error = next((line.strip() for line in reversed(restored.stderr.splitlines()) if "error" in line.lower() or "fail" in line.lower()),
                      "")
    started = time.monotonic()
    try:
        manifest, _digest, _size = stream_dump([str(pathlib.Path(mongo["bin"], "mongodump")), *credentials, "--db", database, "--archive",
                                                "--gzip"], None, False, f"{database} (dumped again from the scratch instance)")
        found = collections_of(manifest, database, database)
    except BackupError as exc:
        item["problems"].append(str(exc))
        item["ok"] = False
        return item
    item["compare_seconds"] = round(time.monotonic() - started, 3)
    differences = compare(expected["collections"], found, f" of set {set_dir.name}")
    reason = f" ({last_error})" if last_error and restored.returncode != 0 else ""
    item["problems"] += [f"{database}: {line}{reason if 'restored,' in line or 'missing' in line else ''}" for line in differences]
    if restored.returncode != 0 and not differences:
        item["problems"].append(f"{database}: mongorestore exited {restored.returncode} ({last_error})")
    item["collections"] = len(found)
    item["ok"] = not item["problems"]
    return item
