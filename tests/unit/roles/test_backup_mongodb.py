# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The MongoDB engine of the backup tool (roles/backup/files/nova_backup_mongodb.py) at the level of
the commands it runs: fake mongodump, mongorestore and mongod executables (Python scripts written
here) record their argv, environment and --config file, and produce or take archives made with the
archive builder of tests/unit/plugins/module_utils/test_mongo_archive.py. No MongoDB, no network.

The tool runs as installed: nova_backup.py, nova_backup_mongodb.py and _mongo_archive.py copied
into one directory, imported from there (and run from there for the command-line tests)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import importlib
import importlib.util
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import typing as t

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PASSWORD = "s3cret pa$$word 'with' \"quotes\""


def _load(path: pathlib.Path, name: str) -> t.Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load(ROOT / "tests/unit/plugins/module_utils/test_mongo_archive.py", "mongo_archive_builder")


def _docs(prefix: str, count: int) -> list[bytes]:
    # Text that gzip cannot shrink much, so a cut in the compressed stream lands among the documents.
    return [builder.doc(n, hashlib.sha256(f"{prefix}{n}".encode()).hexdigest() * 6) for n in range(count)]


DOCS = {"app.orders": _docs("o", 12), "app.empty": [], "shop.items": _docs("i", 5),
        "admin.system.users": [builder.bson(("_id", "admin.nova_backup"), ("user", "nova_backup"), ("db", "admin"))],
        "admin.system.roles": []}


def _raw(*namespaces: str, docs: dict[str, list[bytes]] | None = None) -> bytes:
    """An archive of the namespaces, each collection's documents in two segments and then its EOF."""
    docs = docs or DOCS
    blocks: list[tuple[t.Any, ...]] = []
    for name in namespaces:
        half = len(docs[name]) // 2
        blocks += [("seg", name, docs[name][:half]), ("seg", name, docs[name][half:]), ("eof", name)]
    return bytes(builder.archive(*blocks))


ARCHIVES = {"app": _raw("app.orders", "app.empty"), "shop": _raw("shop.items"), "admin.system.users": _raw("admin.system.users"),
            "admin.system.roles": _raw("admin.system.roles")}

FAKE = '''#!{python}
"""A fake {name}: records argv, environment and the --config file; see test_backup_mongodb.py."""
import gzip, json, os, pathlib, signal, socket, sys, time
STATE = pathlib.Path({state!r})
PROG, ARGS = {name!r}, sys.argv[1:]
PLAN = json.loads((STATE / "plan.json").read_text())


def opt(name):
    for at, arg in enumerate(ARGS):
        if arg == name:
            return ARGS[at + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


config = opt("--config")
record = {{"prog": PROG, "argv": sys.argv, "env": dict(os.environ), "pid": os.getpid()}}
if config:
    record.update(config=pathlib.Path(config).read_text(), config_mode=os.stat(config).st_mode & 0o777,
                  config_dir_mode=os.stat(os.path.dirname(config)).st_mode & 0o777)
with (STATE / "calls.jsonl").open("a") as log:
    log.write(json.dumps(record) + "\\n")
port = opt("--port")
store = STATE / "store" / str(port)

if PROG == "mongodump":
    db, collection = opt("--db"), opt("--collection")
    stem = f"{{db}}.{{collection}}" if collection else db
    if int(port) == PLAN["drill_port"]:
        source = store / f"{{db}}.archive.gz"
        data = source.read_bytes() if source.exists() else (STATE / "empty.archive.gz").read_bytes()
    else:
        data = (STATE / "archives" / f"{{stem}}.archive.gz").read_bytes()
    fault = PLAN.get("faults", {{}}).get(stem)
    out = sys.stdout.buffer
    if fault in ("exit1", "sigkill"):
        out.write(data[: len(data) // 2])
        out.flush()
        if fault == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stderr.write(f"Failed: error writing data for collection {{stem}}: connection reset\\n")
        sys.exit(1)
    out.write(data)
elif PROG == "mongorestore":
    db = opt("--nsInclude")[:-2]
    data = sys.stdin.buffer.read()
    replace = PLAN.get("restore_replace", {{}}).get(db)
    store.mkdir(parents=True, exist_ok=True)
    (store / f"{{db}}.archive.gz").write_bytes(pathlib.Path(replace).read_bytes() if replace else data)
elif PROG == "mongod":
    pathlib.Path(opt("--pidfilepath")).write_text(f"{{os.getpid()}}\\n")
    with open(opt("--logpath"), "a") as mongod_log:
        mongod_log.write('{{"msg": "Waiting for connections"}}\\n')
        if PLAN.get("mongod") == "crash":
            mongod_log.write('{{"msg": "Fatal assertion", "attr": {{"error": "boom"}}}}\\n')
            sys.exit(14)
    signal.signal(signal.SIGTERM, signal.SIG_IGN if PLAN.get("mongod") == "ignore_term" else lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((opt("--bind_ip"), int(port)))
    listener.listen()
    while True:
        connection, _peer = listener.accept()
        connection.close()
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Lab:
    """The installed tool, its config, the fakes' state directory and the drill's admin password."""

    tool: t.Any
    mongodb: t.Any
    config: dict[str, t.Any]
    path: pathlib.Path
    state: pathlib.Path
    drill_passwords: list[str]

    def plan(self, **changes: t.Any) -> None:
        plan = json.loads((self.state / "plan.json").read_text())
        plan.update(changes)
        (self.state / "plan.json").write_text(json.dumps(plan))

    def calls(self, prog: str | None = None) -> list[dict[str, t.Any]]:
        log = self.state / "calls.jsonl"
        entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return [entry for entry in entries if prog in (None, entry["prog"])]

    def engine_dir(self) -> pathlib.Path:
        return pathlib.Path(self.config["backup_dir"], "mongodb")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[tuple[pathlib.Path, t.Any, t.Any]]:
    """The three files as the role installs them in /usr/local/libexec/nova-backup, imported from there."""
    libexec = tmp_path_factory.mktemp("libexec")
    shutil.copy(ROOT / "roles/backup/files/nova_backup.py", libexec)
    shutil.copy(ROOT / "roles/backup/files/nova_backup_mongodb.py", libexec)
    shutil.copy(ROOT / "plugins/module_utils/_mongo_archive.py", libexec)
    sys.path.insert(0, str(libexec))
    saved = {name: sys.modules.pop(name) for name in ("nova_backup", "nova_backup_mongodb", "_mongo_archive") if name in sys.modules}
    try:
        tool = importlib.import_module("nova_backup")
        yield libexec, tool, importlib.import_module("nova_backup_mongodb")
    finally:
        sys.path.remove(str(libexec))
        for name in ("nova_backup", "nova_backup_mongodb", "_mongo_archive"):
            sys.modules.pop(name, None)
        sys.modules.update(saved)


@pytest.fixture
def lab(installed: tuple[pathlib.Path, t.Any, t.Any], tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    _libexec, tool, mongodb = installed
    state, bin_dir = tmp_path / "fake", tmp_path / "bin"
    (state / "archives").mkdir(parents=True)
    bin_dir.mkdir()
    for name, data in ARCHIVES.items():
        (state / "archives" / f"{name}.archive.gz").write_bytes(gzip.compress(data))
    (state / "empty.archive.gz").write_bytes(gzip.compress(builder.prelude()))
    drill_port = _free_port()
    (state / "plan.json").write_text(json.dumps({"drill_port": drill_port}))
    for name in ("mongodump", "mongorestore", "mongod"):
        (bin_dir / name).write_text(FAKE.format(python=sys.executable, name=name, state=str(state)))
        (bin_dir / name).chmod(0o755)
    secret = tmp_path / "mongodb.password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    monkeypatch.setenv("NOVA_BACKUP_LOCK_DIR", str(tmp_path / "locks"))
    raw = {"host": "db-test", "site": "unit", "backup_dir": str(tmp_path / "backups"), "keep_count": 2, "keep_days": 1,
           "status_file": str(tmp_path / "status/nova_backup.prom"), "runs_file": str(tmp_path / "runs.jsonl"),
           "mongodb": {"password_file": str(secret), "bin": str(bin_dir), "drill_port": drill_port, "run_as": "",
                       "db_path": str(tmp_path / "live-db"), "drill_dir": str(tmp_path / "drill"), "start_seconds": 10, "stop_seconds": 5}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw))
    passwords: list[str] = []

    def create_drill_admin(port: int, user: str, password: str) -> dict[str, t.Any]:
        passwords.append(password)
        calls = [json.loads(line) for line in (state / "calls.jsonl").read_text().splitlines()]
        mongod = [call for call in calls if call["prog"] == "mongod"][-1]["argv"]
        return {"net": {"port": port, "bindIp": "127.0.0.1"}, "storage": {"dbPath": mongod[mongod.index("--dbpath") + 1]}}

    monkeypatch.setattr(mongodb, "list_databases", lambda mongo, password: ["admin", "app", "config", "local", "shop"])
    monkeypatch.setattr(mongodb, "live_size", lambda mongo, password, databases: 1 << 20)
    monkeypatch.setattr(mongodb, "create_drill_admin", create_drill_admin)
    return Lab(tool, mongodb, tool.load_config(str(path)), path, state, passwords)


def _manifest(names: list[str], docs: dict[str, list[bytes]] | None = None) -> dict[str, dict[str, t.Any]]:
    docs = docs or DOCS
    return {name.split(".", 1)[1]: {"count": len(docs[name]), "hash": builder.expected(docs[name])} for name in names}


def _no_password_outside_the_config_file(lab: Lab, secrets: list[str]) -> None:
    calls = lab.calls()
    assert calls
    for call in calls:
        for secret in secrets:
            assert secret not in json.dumps(call["argv"]) and secret not in json.dumps(call["env"]), call["prog"]
        if call["prog"] != "mongod":
            config = call["argv"][1]
            assert config.startswith("--config=") and call["config_mode"] == 0o600 and call["config_dir_mode"] == 0o700
            assert json.loads(call["config"].removeprefix("password: ")) in secrets  # the only line: the password
            assert not pathlib.Path(config.removeprefix("--config=")).exists()
            assert not pathlib.Path(config.removeprefix("--config=")).parent.exists()


def test_a_backup_is_a_complete_set_of_archives_and_manifests(lab: Lab) -> None:
    entry = lab.tool.run_backup(lab.config, "mongodb")
    assert entry["ok"], entry
    set_dir = pathlib.Path(entry["path"])
    assert set_dir.parent == lab.engine_dir() and [p.name for p in lab.tool.complete_sets(lab.engine_dir())] == [entry["set"]]
    listing = json.loads((set_dir / "SET.json").read_text())
    assert listing["engine"] == "mongodb" and listing["databases"] == ["app", "shop"]  # admin, local and config are not databases to dump
    stems = ["admin-roles", "admin-users", "app", "shop"]
    assert sorted(listing["files"]) == sorted([f"{s}.archive.gz" for s in stems] + [f"{s}.manifest.json" for s in stems])
    for name, meta in listing["files"].items():
        assert lab.tool.sha256_file(set_dir / name) == meta["sha256"]
        assert (set_dir / f"{name}.sha256").read_text() == f"{meta['sha256']}  {name}\n"
        assert (set_dir / name).stat().st_mode & 0o777 == 0o600
    assert gzip.decompress((set_dir / "app.archive.gz").read_bytes()) == ARCHIVES["app"]
    manifest = json.loads((set_dir / "app.manifest.json").read_text())
    assert manifest["collections"] == _manifest(["app.orders", "app.empty"])
    assert {k: manifest[k] for k in ("format", "engine", "database", "file", "size", "sha256", "set")} == {
        "format": "nova.dgx/backup-manifest/1", "engine": "mongodb", "database": "app", "file": "app.archive.gz",
        "size": (set_dir / "app.archive.gz").stat().st_size, "sha256": listing["files"]["app.archive.gz"]["sha256"], "set": entry["set"]}
    users = json.loads((set_dir / "admin-users.manifest.json").read_text())
    assert users["database"] == "admin" and users["collections"] == _manifest(["admin.system.users"])
    assert [d["database"] for d in entry["databases"]] == ["app", "shop"] and entry["databases"][0]["collections"] == 2
    dumps = [call["argv"][1:] for call in lab.calls("mongodump")]
    assert [argv[1:] for argv in dumps] == [
        ["--host", "127.0.0.1", "--port", "27017", "--username", "nova_backup", "--authenticationDatabase", "admin", *options,
         "--archive", "--gzip"]
        for options in (["--db", "app"], ["--db", "shop"], ["--db", "admin", "--collection", "system.users"],
                        ["--db", "admin", "--collection", "system.roles"])]
    _no_password_outside_the_config_file(lab, [PASSWORD])
    status = pathlib.Path(lab.config["status_file"]).read_text()
    assert 'nova_backup_last_run_ok{engine="mongodb"} 1' in status
    assert 'nova_backup_database_last_size_bytes{database="app",engine="mongodb"}' in status
    assert lab.tool.status(lab.config)["engines"]["mongodb"]["sets"] == [entry["set"]]


@pytest.mark.parametrize(("fault", "expected"), [
    ("exit1", r"^app: mongodump exited 1: Failed: error writing data for collection app: connection reset; the archive: "),
    ("sigkill", r"^app: mongodump was killed by SIGKILL; the archive: "),
    ("truncated", r"^app: the archive: namespace app\.orders: truncated at byte \d+, inside a \d+-byte document"),
])
def test_a_failed_or_truncated_dump_leaves_only_a_part_directory(lab: Lab, fault: str, expected: str) -> None:
    if fault == "truncated":  # mongodump exits 0 and its archive ends inside a document of app.orders
        cut = ARCHIVES["app"].index(DOCS["app.orders"][7]) + 40
        (lab.state / "archives/app.archive.gz").write_bytes(gzip.compress(ARCHIVES["app"][:cut]))
    else:
        lab.plan(faults={"app": fault})
    entry = lab.tool.run_backup(lab.config, "mongodb")
    assert entry["ok"] is False
    assert re.match(expected, entry["error"]), entry["error"]
    assert lab.tool.complete_sets(lab.engine_dir()) == []
    parts = list(lab.engine_dir().iterdir())
    assert len(parts) == 1 and parts[0].name.endswith(".part") and not (parts[0] / "SET.json").exists()
    assert not (parts[0] / "app.archive.gz").exists()  # the archive stays .part too
    assert lab.tool.status(lab.config)["engines"]["mongodb"]["sets"] == []
    assert 'nova_backup_last_run_ok{engine="mongodb"} 0' in pathlib.Path(lab.config["status_file"]).read_text()
    _no_password_outside_the_config_file(lab, [PASSWORD])
    lab.plan(faults={})
    (lab.state / "archives/app.archive.gz").write_bytes(gzip.compress(ARCHIVES["app"]))
    again = lab.tool.run_backup(lab.config, "mongodb")
    assert again["ok"] and again["removed"] == [parts[0].name]


def test_the_drill_restores_dumps_again_and_matches_every_manifest(lab: Lab) -> None:
    assert lab.tool.run_backup(lab.config, "mongodb")["ok"]
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["ok"], entry
    assert entry["users"] == "verified, not restored" and entry["problems"] == []
    assert [(d["database"], d["ok"], d["problems"], d["collections"]) for d in entry["databases"]] == [
        ("app", True, [], 2), ("shop", True, [], 1)]
    assert all(isinstance(d[key], (int, float)) for d in entry["databases"] for key in ("bytes", "restore_seconds", "compare_seconds"))
    assert [c["ok"] for c in entry["checks"]] == [True, True] and "every collection matches the manifest" in entry["checks"][0]["detail"]
    port = str(lab.config["mongodb"]["drill_port"])
    (mongod,) = lab.calls("mongod")
    scratch = pathlib.Path(lab.config["mongodb"]["drill_dir"]).resolve()
    assert mongod["argv"][1:13] == ["--dbpath", str(scratch / "data"), "--port", port, "--bind_ip", "127.0.0.1", "--unixSocketPrefix",
                                    str(scratch / "sock"), "--auth", "--quiet", "--logpath", str(scratch / "mongod.log")]
    restores = [call["argv"][2:] for call in lab.calls("mongorestore")]
    assert restores == [["--host", "127.0.0.1", "--port", port, "--username", "nova_drill", "--authenticationDatabase", "admin",
                         "--archive", "--gzip", "--nsInclude", f"{db}.*"] for db in ("app", "shop")]
    redumps = [call["argv"][-3:] for call in lab.calls("mongodump") if call["argv"][5] == port]
    assert redumps == [["app", "--archive", "--gzip"], ["shop", "--archive", "--gzip"]]
    _no_password_outside_the_config_file(lab, [PASSWORD, *lab.drill_passwords])
    assert json.loads(lab.calls("mongorestore")[0]["config"].removeprefix("password: ")) == lab.drill_passwords[0]
    assert not scratch.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(mongod["pid"], 0)
    assert lab.tool.status(lab.config)["engines"]["mongodb"]["last_drill"]["ok"] is True


@pytest.mark.parametrize(("change", "message"), [
    ("lose", "app: collection orders: 11 documents restored, 12 in the manifest of set "),
    ("change", "app: collection orders: content hash differs from the manifest of set {set} (documents equal: 12)"),
    ("drop", "app: collection empty: missing after the restore (0 documents in the manifest of set {set})"),
])
def test_a_restore_that_loses_or_changes_a_document_fails_naming_database_and_collection(lab: Lab, change: str, message: str) -> None:
    result = lab.tool.run_backup(lab.config, "mongodb")
    docs = dict(DOCS)
    names = ["app.orders", "app.empty"]
    if change == "lose":
        docs["app.orders"] = DOCS["app.orders"][:5] + DOCS["app.orders"][6:]
    elif change == "change":
        docs["app.orders"] = DOCS["app.orders"][:5] + [builder.doc(5, "changed")] + DOCS["app.orders"][6:]
    else:
        names = ["app.orders"]
    (lab.state / "restored.archive.gz").write_bytes(gzip.compress(_raw(*names, docs=docs)))
    lab.plan(restore_replace={"app": str(lab.state / "restored.archive.gz")})
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["ok"] is False and entry["problems"] == []
    app, shop = entry["databases"]
    assert shop["ok"] and app["ok"] is False
    assert len(app["problems"]) == 1 and app["problems"][0].startswith(message.format(set=result["set"])), app["problems"]
    assert entry["checks"][0] == {"name": "restore drill mongodb app", "ok": False, "detail": app["problems"][0]}


def test_a_changed_byte_in_a_stored_archive_fails_by_its_checksum(lab: Lab) -> None:
    result = lab.tool.run_backup(lab.config, "mongodb")
    archive = pathlib.Path(result["path"], "shop.archive.gz")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["ok"] is False
    assert entry["problems"] == [f"set {result['set']}: shop.archive.gz does not match its SHA-256 in SET.json"
                                 f" ({len(data)} bytes, {len(data)} when dumped)"]
    assert entry["databases"][1]["problems"][0].startswith("shop: shop.archive.gz does not match its SHA-256")
    assert entry["databases"][0]["ok"] and entry["users"] == "verified, not restored"


def test_a_damaged_users_archive_is_named_and_never_restored(lab: Lab) -> None:
    result = lab.tool.run_backup(lab.config, "mongodb")
    set_dir = pathlib.Path(result["path"])
    manifest = json.loads((set_dir / "admin-users.manifest.json").read_text())
    manifest["collections"]["system.users"]["count"] = 2
    (set_dir / "admin-users.manifest.json").write_text(json.dumps(manifest))
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["users"] == "damaged, not restored" and entry["ok"] is False
    dumped = json.loads((set_dir / "SET.json").read_text())["files"]["admin-users.manifest.json"]["bytes"]
    assert entry["problems"][0] == (f"set {result['set']}: admin-users.manifest.json does not match its SHA-256 in SET.json"
                                    f" ({(set_dir / 'admin-users.manifest.json').stat().st_size} bytes, {dumped} when dumped)")
    assert entry["problems"][1] == (f"admin-users.archive.gz: collection system.users: 1 documents in the archive, 2 in the manifest of set"
                                    f" {result['set']}")
    assert [call["argv"][-1] for call in lab.calls("mongorestore")] == ["app.*", "shop.*"]  # never admin


def test_the_drill_refuses_the_live_port_before_starting_anything(lab: Lab) -> None:
    lab.tool.run_backup(lab.config, "mongodb")
    before = len(lab.calls())
    lab.config["mongodb"]["drill_port"] = lab.config["mongodb"]["port"]
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["ok"] is False and entry["error"].startswith(
        "mongodb.drill_port 27017 is the live server's port (mongodb.port): the scratch mongod must never be the live one")
    assert len(lab.calls()) == before and not pathlib.Path(lab.config["mongodb"]["drill_dir"]).exists()


def test_the_drill_refuses_a_port_in_use_and_a_directory_in_the_live_dbpath(lab: Lab) -> None:
    mongo = lab.config["mongodb"]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        mongo["drill_port"] = listener.getsockname()[1]
        mongo["drill_dir"] = str(pathlib.Path(mongo["db_path"], "drill"))
        problems = lab.mongodb.refusals(lab.config)
    assert problems[0] == f"mongodb.drill_port {mongo['drill_port']} is in use: something listens there; pick a free port"
    live = pathlib.Path(mongo["db_path"]).resolve()
    assert problems[1:] == [f"mongodb.drill_dir {live / 'drill'} is inside {live} (mongodb.db_path), which the live server or the backups"
                            " use; choose a scratch directory of its own"]
    mongo["drill_dir"] = str(live.parent)  # a scratch directory holding the live one (and the backups): the drill removes it afterwards
    assert [problem.split(" (")[0] for problem in lab.mongodb.refusals(lab.config)] == [
        f"mongodb.drill_dir {live.parent} holds {live}", f"mongodb.drill_dir {live.parent} holds {pathlib.Path(lab.config['backup_dir'])}",
        f"mongodb.drill_dir {live.parent} exists and is not a drill's: remove it or choose another"]


@pytest.mark.parametrize("failure", ["admin", "ignore_term", "crash"])
def test_the_scratch_mongod_is_stopped_and_its_directory_removed_after_a_failure(lab: Lab, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    assert lab.tool.run_backup(lab.config, "mongodb")["ok"]
    if failure == "admin":
        def refused(port: int, user: str, password: str) -> dict[str, t.Any]:
            raise RuntimeError("command createUser requires authentication")
        monkeypatch.setattr(lab.mongodb, "create_drill_admin", refused)
    else:  # a mongod that ignores SIGTERM (killed after stop_seconds), a mongod that dies while starting
        lab.config["mongodb"]["stop_seconds"] = 1
        lab.plan(mongod=failure, restore_replace={"app": "/nonexistent"})  # the ignore_term drill fails in the restore
    entry = lab.tool.run_drill(lab.config, "mongodb", None, "local")
    assert entry["ok"] is False
    if failure == "admin":
        assert entry["error"] == "RuntimeError: command createUser requires authentication"
    elif failure == "crash":
        assert entry["error"].startswith(f"the scratch mongod on port {lab.config['mongodb']['drill_port']} exited 14: ")
        assert '"Fatal assertion"' in entry["error"]  # the log's tail
    (mongod,) = lab.calls("mongod")
    with pytest.raises(ProcessLookupError):
        os.kill(mongod["pid"], 0)
    assert not pathlib.Path(lab.config["mongodb"]["drill_dir"]).exists()


def test_the_command_line_backs_up_and_refuses_an_unconfigured_engine(installed: tuple[pathlib.Path, t.Any, t.Any], lab: Lab) -> None:
    libexec = installed[0]
    raw = json.loads(lab.path.read_text())
    raw["mongodb"]["databases"] = ["shop"]  # listed, so no pymongo is needed
    lab.path.write_text(json.dumps(raw))

    def tool(*args: str) -> tuple[int, dict[str, t.Any]]:
        done = subprocess.run([sys.executable, str(libexec / "nova_backup.py"), str(lab.path), *args], capture_output=True, text=True,
                              check=False)
        return done.returncode, json.loads(done.stdout)

    rc, result = tool("backup", "mongodb")
    assert rc == 0 and result["ok"] and [d["database"] for d in result["databases"]] == ["shop"], result
    raw["mongodb"]["drill_port"] = 27017
    lab.path.write_text(json.dumps(raw))
    rc, result = tool("drill", "mongodb", "--from", "local")
    assert rc == 1 and result["error"].startswith("mongodb.drill_port 27017 is the live server's port")  # a BackupError, not a second copy's
    raw.pop("mongodb")
    lab.path.write_text(json.dumps(raw))
    assert tool("backup", "mongodb") == (1, {"ok": False, "error": f"no mongodb object in {lab.path}: the mongodb engine is not configured"})


def test_bad_settings_fail_before_a_set_is_started(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = pathlib.Path(lab.config["mongodb"]["password_file"])
    secret.chmod(0o644)
    entry = lab.tool.run_backup(lab.config, "mongodb")
    assert entry["error"] == f"mongodb.password_file {secret} has mode 0644: others may read it; it must be 0600"
    secret.chmod(0o600)
    monkeypatch.setattr(lab.mongodb, "list_databases", lambda mongo, password: ["app", "admin-users"])
    assert "'admin-users' cannot be backed up" in lab.tool.run_backup(lab.config, "mongodb")["error"]
    assert not lab.engine_dir().exists() and lab.calls() == []


def test_the_scratch_mongod_runs_as_its_own_user(lab: Lab) -> None:
    assert lab.config["mongodb"]["run_as"] == ""  # the tests run it directly; the default is the packaged mongodb user
    assert lab.tool.MONGODB_DEFAULTS["run_as"] == "mongodb"
    assert lab.mongodb.as_user({"run_as": "mongodb"}, "/usr/bin/mongod") == ["runuser", "-u", "mongodb", "--", "/usr/bin/mongod"]
