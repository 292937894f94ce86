"""site.yml against a fresh lab: check mode first, converge, then nothing left to change.

Needs the lab (`make lab-test` resets it first). The tests run in file order and each
step builds on the one before, as an operator's first day would.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import typing as t

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)
LAB = {"dgx-spark-01", "mgmt-01", "db-01"}
# What playbook() returns: the exit status, stdout and stderr, and each host's recap counts.
PlaybookRun = tuple[int, str, dict[str, dict[str, int]]]


def _lab_is_up() -> bool:
    return subprocess.run([str(ROOT / "scripts/lab"), "status"], capture_output=True, check=False).returncode == 0


pytestmark = pytest.mark.skipif(not _lab_is_up(), reason="the lab is not up: run 'make lab-test'")


def playbook(*args: str, env: dict[str, str] | None = None, cwd: pathlib.Path = ROOT,
             mitogen: bool = False) -> PlaybookRun:
    """ansible-playbook with the project's configuration; ``mitogen`` runs it under the opt-in strategy (scripts/mitogen)."""
    base = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    wrapper = [str(ROOT / "scripts/mitogen")] if mitogen else []
    result = subprocess.run(
        [*wrapper, str(BIN / "ansible-playbook"), *args], capture_output=True, text=True, check=False, cwd=cwd, env=env or base, timeout=900
    )
    output = result.stdout + result.stderr
    recap = {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"} for m in RECAP.finditer(output)}
    return result.returncode, output, recap


# Check mode on the fresh lab, `-l dgx` (the team's command) and the whole fleet, two runs side by side for the
# CI budget (as the tag runs): each only reads the hosts, and what they share on the controller (the fact cache,
# the artifact cache, the journal) is written atomically.
@pytest.fixture(scope="module")
def fresh_checks() -> dict[str, PlaybookRun]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = {"dgx": pool.submit(playbook, "site.yml", "-l", "dgx", "--check", "--diff"),
                "fleet": pool.submit(playbook, "site.yml", "--check", "--diff")}
        return {name: run.result() for name, run in runs.items()}


def test_check_mode_on_the_fresh_dgx(fresh_checks: dict[str, PlaybookRun]) -> None:
    rc, output, recap = fresh_checks["dgx"]
    assert rc == 0, output
    assert set(recap) == {"dgx-spark-01"}
    assert recap["dgx-spark-01"]["failed"] == 0 and recap["dgx-spark-01"]["unreachable"] == 0
    assert recap["dgx-spark-01"]["changed"] > 0, "a fresh host should have changes to predict"


def test_check_mode_on_the_whole_fresh_fleet(fresh_checks: dict[str, PlaybookRun]) -> None:
    rc, output, recap = fresh_checks["fleet"]
    assert rc == 0, output
    assert set(recap) == LAB
    assert all(r["failed"] == 0 and r["unreachable"] == 0 for r in recap.values())


def package_cache(action: str) -> None:
    subprocess.run([str(ROOT / "scripts/package-cache"), action], check=True, capture_output=True)


def proxy_of(host: str) -> str:
    """What apt on a lab host is told to use (the harness's .config/apt-proxy/detect)."""
    probe = ["docker", "exec", f"nova-lab-{host}", "/etc/nova-package-cache/detect"]
    return subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()


# The package cache is a test harness convenience and must fail safe: the first converge, which
# downloads every package the platform needs, runs with it stopped and goes to the mirror directly.
def test_converge_with_the_package_cache_stopped() -> None:
    package_cache("stop")
    try:
        assert {host: proxy_of(host) for host in LAB} == dict.fromkeys(LAB, "DIRECT")
        rc, output, recap = playbook("site.yml")
    finally:
        package_cache("start")
    assert rc == 0, output
    assert set(recap) == LAB
    assert all(r["changed"] > 0 and r["failed"] == 0 for r in recap.values())
    # Started again, the hosts use it once more (proving the stop above was what changed).
    assert re.fullmatch(r"http://[0-9.]+:3142", proxy_of("db-01")), proxy_of("db-01")


def _install_built_collection(directory: pathlib.Path) -> dict[str, t.Any]:
    """The collection built from this checkout and installed under ``directory``, with an environment that sees only
    that copy (no ansible.cfg, no link to the checkout) and a work directory outside the checkout."""
    build = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(directory), str(ROOT)],
                           capture_output=True, text=True, check=True)
    artifact = next(directory.glob("nova-dgx-*.tar.gz"))
    collections = directory / "collections"
    work = directory / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="True")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections), str(artifact)],
                   capture_output=True, text=True, check=True, env=env, cwd=work)
    return {"build": build.stdout, "collections": collections, "env": env, "work": work}


# The no-op passes over the whole fleet run under mitogen, the documented opt-in (docs/performance.md (d)), for the CI
# budget (so does the built collection's check run): the first converge, check mode on the fresh
# fleet and `-l dgx` (the team's command) run Ansible's own strategy, and every role's Molecule idempotence step
# proves its no-op there.
def test_second_run_changes_nothing() -> None:
    rc, output, recap = playbook("site.yml", mitogen=True)
    assert rc == 0, output
    assert {host: r["changed"] for host, r in recap.items()} == dict.fromkeys(LAB, 0)


# Three runs on the converged fleet, two at a time for the CI budget: the fleet's `--check --diff` beside `-l dgx`
# (the team's command) and then the built collection's check run of the dgx. A run of one host waits on its host
# more than it computes, so it costs the fleet run beside it little: measured on the converged lab, `-l dgx` and
# `--check --diff` took 84 and 106 s side by side, 81 and 103 s alone. Two fleet runs do not pair so well (the
# second run and `--check --diff` took 219 and 198 s side by side against 142 and 120 s alone), so the second run
# stays alone, and proves the no-op with nothing beside it. Only `-l dgx` may write, and on a converged host it writes
# nothing (what its test asserts), so the check runs beside it read the state they would read alone; if it did
# write, its own test fails.
@pytest.fixture(scope="module")
def converged_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, t.Any]:
    installed = _install_built_collection(tmp_path_factory.mktemp("fqcn"))

    def dgx_then_fqcn() -> tuple[PlaybookRun, PlaybookRun]:
        return (playbook("site.yml", "-l", "dgx"),
                playbook("nova.dgx.site", "-i", str(ROOT / "inventories/lab"), "-l", "dgx", "--check", env=installed["env"],
                         cwd=installed["work"], mitogen=True))

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        check_diff, dgx = pool.submit(playbook, "site.yml", "--check", "--diff", mitogen=True), pool.submit(dgx_then_fqcn)
        limit, fqcn = dgx.result()
        return {"check_diff": check_diff.result(), "limit": limit, "fqcn": fqcn, "installed": installed}


def test_limit_to_dgx_changes_nothing_and_touches_only_the_dgx(converged_runs: dict[str, t.Any]) -> None:
    rc, output, recap = converged_runs["limit"]
    assert rc == 0, output
    assert recap == {"dgx-spark-01": recap["dgx-spark-01"]} and recap["dgx-spark-01"]["changed"] == 0


def test_check_diff_on_the_converged_fleet_predicts_nothing(converged_runs: dict[str, t.Any]) -> None:
    rc, output, recap = converged_runs["check_diff"]
    assert rc == 0, output
    assert set(recap) == LAB and all(r["changed"] == 0 and r["failed"] == 0 for r in recap.values()), recap


def _latest_run(name: str, **match: object) -> dict:
    """The newest journal run of playbook ``name`` whose fields equal ``match`` (e.g. check_mode=False)."""
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    runs = (json.loads(p.read_text()) for p in sorted((journal / "runs").glob(f"*-{name}-*.json"), reverse=True))
    return next(r for r in runs if all(r.get(k) == v for k, v in match.items()))


# Every peer of every host has a row in the converge run's checks (the VPN status report).
def test_vpn_status_report_has_a_passing_row_per_peer() -> None:
    run = _latest_run("site", check_mode=False, limit="")
    rows = [c for c in run["checks"] if c["task"] == "Check each peer"]
    assert {(c["host"], c["item"]) for c in rows} == {(h, p) for h in LAB for p in LAB if h != p}
    assert all(c["result"] == "pass" and "ping ok" in c["detail"] for c in rows), rows


# The lab's dgx has no GPU: the converge run's journal must say which GPU checks were skipped and
# why, and pass every check that does not need one (stand-in packages, see docs/testing.md).
GPU_SKIPPED = {("Check the driver", "driver loaded"), ("Check the driver", "driver branch 580"), ("Check the driver", "GPU count"),
               ("Check the driver", "persistence mode"), ("Check the container toolkit", "CDI spec"),
               ("Check the container toolkit", "GPU container")}


def test_gpu_layer_journal_says_which_gpu_checks_were_skipped_and_why() -> None:
    run = _latest_run("site", check_mode=False, limit="")
    tasks = ("Check the driver", "Check the container toolkit", "Check Docker", "Check CUDA")
    rows = [c for c in run["checks"] if c["task"] in tasks]
    assert {c["host"] for c in rows} == {"dgx-spark-01"}
    skipped = {(c["task"], c["item"]) for c in rows if c["result"] == "skipped"}
    assert skipped == GPU_SKIPPED
    assert all("no GPU on this host" in c["detail"] for c in rows if c["result"] == "skipped")
    assert [c for c in rows if c["result"] == "fail"] == []
    passed = {c.get("item") or c["task"] for c in rows if c["result"] == "pass"}
    assert {"packages held", "persistence daemon", "container runs", "no TCP socket", "docker runtime",
            "container via the NVIDIA runtime", "nvcc reports CUDA 13.0"} <= passed
    report = next((pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal")) / "runs").glob(f"*-{run['id']}.md"))
    assert "skipped (see each row for why)" in report.read_text()


# Only checks are rows (probes that read the host are not), and every row says what was found.
def test_the_converge_report_lists_only_checks_each_with_a_detail() -> None:
    run = _latest_run("site", check_mode=False, limit="")
    assert run["checks"], "the converge run reported no checks"
    assert [c for c in run["checks"] if not c["detail"]] == []
    probes = [c["task"] for c in run["checks"] if c["task"].split()[0] in {"Read", "Ask", "Ping", "Run", "Look", "Wait"}]
    assert probes == []
    assert {c["role"] for c in run["checks"]} >= {role for role in _site_roles() if (ROOT / "roles" / role / "tasks/verify.yml").is_file()}


def _site_roles() -> list[str]:
    """The roles site.yml runs: those named in the layer playbooks it imports (and the playbooks they import)."""
    pending, seen, roles = [ROOT / "playbooks" / "site.yml"], set(), set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        text = path.read_text()
        pending += [path.parent / name for name in re.findall(r"import_playbook: (\S+\.yml)", text)]
        roles |= set(re.findall(r"role: nova\.dgx\.(\w+)", text))
    return sorted(roles)


# Every role site.yml runs. A role whose layer is not in site.yml yet (nemo: model_ops.yml, tested in Molecule) is not here.
ROLES = _site_roles()


# Every phase tag works alone on a converged host: preflight runs under each, so a phase never
# depends on facts another phase set. The dgx plays every role but the secrets server, which runs
# on mgmt-01, and the database and its backups, on db-01. Two runs at a time, on Ansible's own strategy:
# under mitogen these 40 short runs took 269 s (396b0fa, on a day the lab ran 1.3 times slower) against
# 153.5 s the day before without it; mitogen's start per run outweighs what it saves in a short one.
HOST_OF_ROLE = {"vault": "mgmt-01", "postgresql": "db-01", "mongodb": "db-01", "backup": "db-01", "prometheus": "mgmt-01",
                "alertmanager": "mgmt-01", "grafana": "mgmt-01", "blackbox_exporter": "mgmt-01", "n8n": "mgmt-01"}


def test_each_roles_verify_and_configure_phase_runs_alone() -> None:
    runs = [(role, phase) for role in ROLES for phase in ("verify", "configure")]

    def run(role_phase: tuple[str, str]) -> PlaybookRun:
        role, phase = role_phase
        return playbook("site.yml", "-l", HOST_OF_ROLE.get(role, "dgx-spark-01"), "--tags", f"{role}_{phase}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(runs, pool.map(run, runs)))
    for (role, phase), (rc, output, recap) in results.items():
        host = HOST_OF_ROLE.get(role, "dgx-spark-01")
        assert rc == 0, f"--tags {role}_{phase}:\n{output[-3000:]}"
        assert recap[host]["changed"] == 0, f"--tags {role}_{phase} changed something:\n{output[-3000:]}"
    for role in ROLES:
        rows = _latest_run("site", tags=[f"{role}_verify"])["checks"]
        assert rows and {c["role"] for c in rows} == {role}, (role, rows)
        assert [c for c in rows if c["result"] == "fail"] == [], (role, rows)


def test_the_dgx_runs_gpu_runtime_containers_for_its_users() -> None:
    out = subprocess.run(["docker", "exec", "nova-lab-dgx-spark-01", "su", "-", "mluser", "-c",
                          "docker run --rm --network none --runtime=nvidia nova-dgx/verify:1 /bin/sh -c 'echo from-the-lab'"],
                         capture_output=True, text=True, check=False)
    assert out.stdout.strip() == "from-the-lab", out.stderr


def test_the_dgx_pulled_the_pinned_nemo_image_with_the_key_from_the_secrets_server_and_shows_it_nowhere() -> None:
    """The model-ops layer against the STAND-IN NGC registry that scripts/lab runs as nvcr.io (docs/testing.md): the
    planted key reached `docker login` from the secrets server (vault_provided_files seeded it), and appears in no
    journal file, no file of the dgx's Docker configuration, and nowhere in the registry's log."""
    pins = json.loads((ROOT / "build/standin/pins.json").read_text())["ngc"]
    digest = pins["nvidia/nemo-automodel:26.02"]
    out = subprocess.run(["docker", "exec", "nova-lab-dgx-spark-01", "docker", "image", "inspect", "--format", "{{json .RepoDigests}}",
                          f"nvcr.io/nvidia/nemo-automodel@{digest}"], capture_output=True, text=True, check=False)
    assert f"nvcr.io/nvidia/nemo-automodel@{digest}" in json.loads(out.stdout or "[]"), out.stderr
    log = subprocess.run(["docker", "exec", "nova-lab-nvcr", "cat", "/tmp/ngc-registry.log"], capture_output=True, text=True, check=True).stdout
    assert "basic-ok" in log and "refused" not in log, log[-2000:]
    key = (ROOT / ".lab/vault/ngc-api-key").read_text().strip()
    assert key not in log
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    assert not [str(p) for p in journal.rglob("*") if p.is_file() and key in p.read_text(errors="replace")]
    leftover = subprocess.run(["docker", "exec", "nova-lab-dgx-spark-01", "sh", "-c",
                               f"ls -d /run/nova-nemo-docker.* 2>/dev/null; grep -rl {key} /root /etc /srv/nemo /var/lib/nova-nemo"],
                              capture_output=True, text=True, check=False)
    assert leftover.stdout == "", leftover.stdout
    wrapper = subprocess.run(["docker", "exec", "nova-lab-dgx-spark-01", "nemo-run", "--print", "true"], capture_output=True, text=True,
                             check=True).stdout
    assert f"nvcr.io/nvidia/nemo-automodel:26.02@{digest}" in wrapper and "--gpus all" in wrapper


AUDIT_CHECKS = {
    "listening sockets", "firewall default-deny", "sshd settings", "no empty passwords",
    "no world-writable files in /etc", "no pending security updates", "clock synchronised",
}


def test_audit_of_the_converged_lab_is_all_green() -> None:
    rc, output, recap = playbook("playbooks/audit.yml")
    assert rc == 0, output
    run = _latest_run("audit")
    assert {(c["item"], c["host"]) for c in run["checks"]} == {(check, host) for check in AUDIT_CHECKS for host in LAB}
    assert [c for c in run["checks"] if c["result"] != "pass"] == []


def test_audit_reports_a_planted_finding() -> None:
    planted = "/etc/nova-audit-probe"
    docker = ["docker", "exec", "nova-lab-db-01"]
    subprocess.run([*docker, "install", "-m", "0666", "/dev/null", planted], check=True)
    try:
        rc, output, _recap = playbook("playbooks/audit.yml", "-l", "db-01")
    finally:
        subprocess.run([*docker, "rm", "-f", planted], check=True)
    assert rc == 2, output
    failed = [(c["item"], c["detail"]) for c in _latest_run("audit")["checks"] if c["result"] == "fail"]
    assert failed == [("no world-writable files in /etc", planted)]


def test_firewall_lets_ssh_in_and_keeps_other_ports_out() -> None:
    # sshd answers; chronyd's command port answers only on loopback; a port nothing opened is dropped
    # (a timeout, not a refusal: the packets never reach the host's stack).
    for address in ("172.31.240.11", "172.31.240.12", "172.31.240.13"):
        with socket.create_connection((address, 22), timeout=3):
            pass
        with pytest.raises(TimeoutError):
            socket.create_connection((address, 8080), timeout=2)


def test_overlay_connects_every_pair_and_a_limited_run_kept_every_peer() -> None:
    # The -l dgx run above changed nothing; the hub still has both spokes and spokes reach
    # each other through it.
    overlay = {name: _hostvars(name)["wireguard_address"] for name in LAB}
    peers = subprocess.run(["docker", "exec", "nova-lab-mgmt-01", "wg", "show", "wg0", "peers"], capture_output=True, text=True, check=True)
    assert len(peers.stdout.split()) == 2
    for source in LAB:
        for target, address in overlay.items():
            if source != target:
                ping = subprocess.run(["docker", "exec", f"nova-lab-{source}", "ping", "-c", "1", "-W", "2", address], capture_output=True, check=False)
                assert ping.returncode == 0, f"{source} -> {target} ({address})"


def _hostvars(name: str) -> dict:
    out = subprocess.run([str(BIN / "ansible-inventory"), "--host", name], capture_output=True, text=True, check=True, cwd=ROOT,
                         env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")))
    return json.loads(out.stdout)


def test_built_collection_runs_by_fqcn(converged_runs: dict[str, t.Any]) -> None:
    """The collection as Galaxy would install it runs site.yml by its FQCN (its check run of the dgx is one of
    converged_runs)."""
    installed = converged_runs["installed"]
    collections, env, work = installed["collections"], installed["env"], installed["work"]
    copy = collections / "ansible_collections/nova/dgx"
    assert (copy / "playbooks/site.yml").is_file(), installed["build"]
    assert not (copy / ".venv").exists() and not (copy / ".lab").exists()
    listing = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "list", "nova.dgx"], capture_output=True, text=True, env=env, cwd=work, check=False)
    assert str(collections) in listing.stdout and str(ROOT / ".ansible") not in listing.stdout
    rc, output, recap = converged_runs["fqcn"]
    assert rc == 0, output
    assert recap["dgx-spark-01"]["changed"] == 0 and recap["dgx-spark-01"]["failed"] == 0
    assert "nova.dgx.users : Check the account list" in output
    shutil.rmtree(collections)


# The secrets layer on mgmt-01 (static seal, the lab's choice): a consumer host's secret is created
# once through nova.dgx.secret, read back identical, and never reaches the journal or the output.
def test_the_secrets_server_creates_a_secret_once_and_nothing_shows_it(tmp_path: pathlib.Path) -> None:
    import hvac  # pylint: disable=import-outside-toplevel  # only this test talks to the server

    play = tmp_path / "secret.yml"
    play.write_text(
        "- hosts: db-01\n  gather_facts: false\n  tasks:\n"
        "    - name: Read the lab canary\n      nova.dgx.secret: {path: lab/canary, policy: {kind: password, length: 40}}\n"
        "      register: canary\n      no_log: true\n"
        "    - name: Leak it on purpose into a failure message\n      ansible.builtin.fail: {msg: 'canary {{ canary.secret }}'}\n"
        "      ignore_errors: true\n"
    )
    first = playbook(str(play), "-i", str(ROOT / "inventories/lab"), "-vvv")
    second = playbook(str(play), "-i", str(ROOT / "inventories/lab"))
    assert first[0] == 0 and second[0] == 0, first[1][-3000:] + second[1][-3000:]
    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))
    stored = client.secrets.kv.v2.read_secret_version(path="lab/canary", mount_point="nova", raise_on_deleted_version=True)["data"]
    assert stored["metadata"]["version"] == 1
    value = stored["data"]["value"]
    assert f"canary {value}" in second[1]  # Ansible prints a failure message even under no_log ...
    assert value not in first[1].replace(f"canary {value}", "")  # ... but nothing else at -vvv shows it
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    assert not [p.name for p in (journal / "runs").iterdir() if value in p.read_text()]


def test_the_overlays_preshared_keys_come_from_the_secrets_server() -> None:
    # The lab turns wireguard_preshared_keys on: the first converge's secrets layer put a key on
    # every pair, derived from the master in mgmt-01's OpenBao, and recorded that on the hub.
    import hvac  # pylint: disable=import-outside-toplevel  # only these tests talk to the server
    from ansible_collections.nova.dgx.plugins.plugin_utils._wireguard import preshared_key  # pylint: disable=import-outside-toplevel

    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))
    master = client.secrets.kv.v2.read_secret_version(path="wireguard/psk-master", mount_point="nova",
                                                      raise_on_deleted_version=True)["data"]["data"]["value"]

    def wg(host: str, *args: str) -> str:
        return subprocess.run(["docker", "exec", f"nova-lab-{host}", "wg", "show", "wg0", *args], capture_output=True, text=True,
                              check=True).stdout

    public = {host: wg(host, "public-key").strip() for host in LAB}
    for spoke in LAB - {"mgmt-01"}:
        expected = preshared_key(master, spoke, "mgmt-01")
        on_spoke = dict(line.split("\t")[:2] for line in wg(spoke, "dump").splitlines()[1:])
        on_hub = dict(line.split("\t")[:2] for line in wg("mgmt-01", "dump").splitlines()[1:])
        assert on_spoke[public["mgmt-01"]] == expected == on_hub[public[spoke]], spoke
    record = subprocess.run(["docker", "exec", "nova-lab-mgmt-01", "cat", "/etc/wireguard/wg0.psk.json"], capture_output=True, text=True,
                            check=True).stdout
    assert json.loads(record) == {"source": "vault", "path": "nova/wireguard/psk-master"}
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    assert not [p.name for p in (journal / "runs").iterdir() if master in p.read_text() or expected in p.read_text()]


def test_the_database_takes_vault_passwords_over_the_overlay_only() -> None:
    # app's password is the one in mgmt-01's OpenBao; pg_hba admits it from the overlay (db-01's own
    # overlay address here) and PostgreSQL does not listen on the lab network at all.
    import hvac  # pylint: disable=import-outside-toplevel  # only these tests talk to the server

    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))
    password = client.secrets.kv.v2.read_secret_version(path="postgresql/app", mount_point="nova",
                                                        raise_on_deleted_version=True)["data"]["data"]["value"]

    def psql(address: str, secret: str) -> subprocess.CompletedProcess[str]:
        # The password goes in through docker exec's environment (-e NAME without a value reads ours), not argv.
        return subprocess.run(["docker", "exec", "-e", "PGPASSWORD", "nova-lab-db-01", "psql", "-XAtq", "-h", address, "-U", "app",
                               "-d", "app", "-c", "SELECT current_user"], capture_output=True, text=True, check=False,
                              env=dict(os.environ, PGPASSWORD=secret))

    overlay = _hostvars("db-01")["wireguard_address"]
    assert psql(overlay, password).stdout.strip() == "app"
    wrong = psql(overlay, password[::-1])
    assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
    lab_network = psql(_hostvars("db-01")["ansible_host"], password)
    assert lab_network.returncode != 0 and "Connection refused" in lab_network.stderr
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    assert not [p.name for p in (journal / "runs").iterdir() if password in p.read_text()]


def _on(host: str, *command: str, check: bool = True, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    interactive = ["-i"] if input_text is not None else []
    return subprocess.run(["docker", "exec", *interactive, f"nova-lab-{host}", *command], capture_output=True, text=True, check=check,
                          input=input_text)


_CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).close()
    print("open")
except OSError as exc:
    print(type(exc).__name__)
"""


def test_mongodb_answers_on_the_overlay_only_and_its_exporter_password_stays_out() -> None:
    # db-01's mongod is the STAND-IN (docs/testing.md): it accepts and closes connections, which is
    # what this proves from mgmt-01, an overlay peer: the overlay address is open (firewall rule and
    # bindIp), the lab network address is not listened on.
    import hvac  # pylint: disable=import-outside-toplevel  # only these tests talk to the server

    overlay, lab_address = _hostvars("db-01")["wireguard_address"], _hostvars("db-01")["ansible_host"]
    assert _on("mgmt-01", "python3", "-c", _CONNECT, overlay, "27017").stdout.strip() == "open"
    # From the lab network the firewall drops it; on db-01 itself nothing listens on that address.
    assert _on("mgmt-01", "python3", "-c", _CONNECT, lab_address, "27017").stdout.strip() == "TimeoutError"
    assert _on("db-01", "python3", "-c", _CONNECT, lab_address, "27017").stdout.strip() == "ConnectionRefusedError"
    metrics = _on("mgmt-01", "python3", "-c", f"import urllib.request; print(urllib.request.urlopen('http://{overlay}:9216/metrics').read().decode())")
    assert "mongodb_up 0" in metrics.stdout  # the stand-in exporter cannot log in to the stand-in mongod, and says so
    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))
    password = client.secrets.kv.v2.read_secret_version(path="mongodb/admin/nova_exporter", mount_point="nova",
                                                        raise_on_deleted_version=True)["data"]["data"]["value"]
    assert f"MONGODB_PASSWORD={password}" in _on("db-01", "cat", "/etc/nova-mongodb-exporter/env").stdout
    assert _on("db-01", "stat", "-c", "%U %a", "/etc/nova-mongodb-exporter/env").stdout.split() == ["root", "600"]
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    assert not [p.name for p in (journal / "runs").iterdir() if password in p.read_text()]


def _url_on(host: str, url: str) -> str:
    return _on(host, "python3", "-c", f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=10).read().decode())").stdout


def test_prometheus_scrapes_every_exporter_of_the_lab_over_the_overlay() -> None:
    # Prometheus (mgmt-01) reaches every host's node_exporter and db-01's database exporters over
    # WireGuard: the targets come from the inventory, each labelled with its host.
    api = f"http://{_hostvars('mgmt-01')['wireguard_address']}:9090/api/v1"
    targets = json.loads(_url_on("mgmt-01", f"{api}/targets?state=active"))["data"]["activeTargets"]
    found = {(t["labels"]["job"], t["labels"]["host"]): t for t in targets}
    wanted = {("prometheus", "mgmt-01"), ("alertmanager", "mgmt-01"), ("postgres", "db-01"), ("mongodb", "db-01"),
              ("vault", "mgmt-01"), ("dcgm", "dgx-spark-01"), ("cadvisor", "dgx-spark-01"), ("blackbox", "mgmt-01")}
    assert set(found) == {("node", host) for host in LAB} | wanted
    assert {key: t["health"] for key, t in found.items() if t["health"] != "up"} == {}, [t.get("lastError") for t in targets]
    # blackbox_exporter verifies the secrets server's TLS against the platform's CA and reads its expiry
    # (the vault role signs for vault_tls_days, 365 by default).
    expiry = json.loads(_url_on("mgmt-01", f"{api}/query?query=probe_ssl_earliest_cert_expiry-time()"))["data"]["result"]
    assert [(r["metric"]["host"], r["metric"]["module"]) for r in expiry] == [("mgmt-01", "tls_platform")]
    assert 300 * 86400 < float(expiry[0]["value"][1]) < 366 * 86400
    # ... and the health URLs of Grafana and n8n (BlackboxProbeFailed fires when the dashboards or the control node are dark).
    health = json.loads(_url_on("mgmt-01", f"{api}/query?query=probe_success"))["data"]["result"]
    assert sorted((r["metric"]["instance"].rsplit(":", 1)[-1], r["metric"]["module"], r["value"][1]) for r in health) == [
        ("3000/api/health", "http_2xx", "1"), ("5678/healthz", "http_2xx", "1"), ("8200", "tls_platform", "1")]
    # Each WireGuard peer's last handshake, from the node_exporter timer on the hub.
    hub = _url_on("mgmt-01", f"http://{_hostvars('mgmt-01')['wireguard_address']}:9100/metrics")
    peers = set(re.findall(r'nova_wireguard_latest_handshake_timestamp_seconds\{interface="wg0",peer="([^"]+)"\} [1-9]', hub))
    assert peers == LAB - {"mgmt-01"}
    # The lab network cannot reach Prometheus (the firewall drops it), and it listens on the overlay only.
    lab_address = _hostvars("mgmt-01")["ansible_host"]
    assert _on("dgx-spark-01", "python3", "-c", _CONNECT, lab_address, "9090").stdout.strip() == "TimeoutError"
    assert _on("mgmt-01", "python3", "-c", _CONNECT, lab_address, "9090").stdout.strip() == "ConnectionRefusedError"


# Series a dashboard may show that appear only once something happened: a GPU XID (dcgm-exporter
# emits the counter for an XID once one occurred), a restore drill (db-01's first drill runs later
# in this file, after this test).
EVENT_ONLY = {"DCGM_EXP_XID_ERRORS_COUNT": "no XID happened in the lab", "nova_backup_drill_last_success_timestamp_seconds": "no drill yet"}


def test_every_metric_a_dashboard_shows_is_one_the_lab_produces() -> None:
    # The dashboards are generated from code (src/nova_dgx/dashboards); each panel's query must name
    # series that the lab's exporters (real where they can be had, stand-ins of the same names where
    # not) or the platform's rules produce, read from Prometheus itself.
    api = f"http://{_hostvars('mgmt-01')['wireguard_address']}:9090/api/v1"
    names = set(json.loads(_url_on("mgmt-01", f"{api}/label/__name__/values"))["data"])
    wanted = json.loads(subprocess.run([sys.executable, "-m", "nova_dgx", "dashboards", "--metrics"], cwd=ROOT, capture_output=True,
                                       text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout)
    missing = {uid: sorted(set(metrics) - names - set(EVENT_ONLY)) for uid, metrics in wanted.items()}
    assert {uid: gone for uid, gone in missing.items() if gone} == {}
    # On the Spark the collectors leave out the GB10's dead fields, so no framebuffer series exists.
    assert not [name for name in names if name.startswith("DCGM_FI_DEV_FB_") or name == "DCGM_FI_PROF_GR_ENGINE_ACTIVE"]


def test_grafana_serves_the_generated_dashboards_to_its_admin_only() -> None:
    base = f"http://{_hostvars('mgmt-01')['wireguard_address']}:3000"
    assert json.loads(_url_on("mgmt-01", f"{base}/api/health"))["database"] == "ok"
    anonymous = _on("mgmt-01", "python3", "-c", "import sys, urllib.request, urllib.error\ntry:\n urllib.request.urlopen(sys.argv[1], timeout=10)"
                    "\nexcept urllib.error.HTTPError as e: print(e.code)", f"{base}/api/search").stdout.strip()
    assert anonymous == "401"
    # The admin password is only in the secrets server and Grafana's root-only file: read it there.
    password = _on("mgmt-01", "cat", "/etc/grafana/admin_password").stdout
    assert _on("mgmt-01", "stat", "-c", "%U:%G %a", "/etc/grafana/admin_password").stdout.strip() == "root:grafana 640"
    search = _on("mgmt-01", "python3", "-c", "import base64, sys, urllib.request\nr = urllib.request.Request(sys.argv[1])\n"
                 "r.add_header('Authorization', 'Basic ' + base64.b64encode(('admin:' + sys.stdin.read()).encode()).decode())\n"
                 "print(urllib.request.urlopen(r, timeout=10).read().decode())", f"{base}/api/search?type=dash-db", input_text=password).stdout
    uids = {d["uid"] for d in json.loads(search)}
    expected = {path.stem for path in (ROOT / "roles/grafana/files/dashboards").glob("*.json")}
    assert expected and expected <= uids
    assert len(password) >= 32 and password not in _on("mgmt-01", "cat", "/etc/grafana/grafana.ini").stdout


def test_an_alert_fires_passes_alertmanager_and_reaches_a_webhook_on_the_lab_network() -> None:
    # The lab's LabSynthetic rule always fires; mgmt-01's Alertmanager routes it to this HTTP server
    # on the controller's address on the lab network (inventories/lab/group_vars/all/monitoring.yml).
    import http.server  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel

    received: list[dict] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("172.31.240.1", 19093), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 150  # Alertmanager resends a failed group every group_interval (30 s here)
        while not received and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        server.shutdown()
    assert received, "no notification from mgmt-01's Alertmanager within 150 s"
    payload = received[0]
    assert payload["receiver"] == "lab-webhook" and payload["status"] == "firing"
    (alert,) = [a for a in payload["alerts"] if a["labels"]["alertname"] == "LabSynthetic"]
    assert alert["annotations"]["runbook_url"].endswith("/docs/runbooks/monitoring.md")
    assert alert["labels"]["severity"] == "warning" and alert["labels"]["site"] == "lab"


def test_backups_go_off_the_box_and_the_drill_proves_them() -> None:
    # Last in the file: the drill and the planted corruption leave runs that a later no-op run would copy.
    _on("db-01", "runuser", "-u", "postgres", "--", "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", "app",
        "-c", "CREATE TABLE orders (id bigint PRIMARY KEY, note text)", "-c", "ALTER TABLE orders OWNER TO app",
        "-c", "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 30000) g")
    _on("db-01", "systemctl", "start", "nova-backup-postgresql.service")
    # The repository lives on mgmt-01, written by db-01's own account; its key file is root's and
    # the key only reaches SFTP, so the account can neither lift that nor reach another host's repository.
    files = _on("mgmt-01", "stat", "-c", "%U %a %n", "/srv/restic/db-01/repo", "/srv/restic/db-01/repo/config",
                "/srv/restic/db-01/.ssh/authorized_keys").stdout.splitlines()
    assert files[0] == "restic-db-01 700 /srv/restic/db-01/repo" and files[1].startswith("restic-db-01 "), files
    assert files[2] == "root 644 /srv/restic/db-01/.ssh/authorized_keys", files
    overlay = _hostvars("mgmt-01")["wireguard_address"]
    shell = _on("db-01", "ssh", "-i", "/etc/nova-backup/ssh/id_ed25519", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=/etc/nova-backup/ssh/known_hosts", f"restic-db-01@{overlay}", "id", check=False)
    assert "uid=" not in shell.stdout, shell.stdout  # the key runs internal-sftp whatever is asked
    rc, output, _recap = playbook("playbooks/restore-drill.yml")
    assert rc == 0, output[-3000:]
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal")) / "backups"
    report = sorted((journal / "drills").glob("*.md"))[-1].read_text()
    assert "| db-01 |" in report and "| restic | app | pass |" in report, report
    # A set damaged after the dump fails the drill, naming the database and the table.
    newest = _on("db-01", "bash", "-c", "ls -1d /var/backups/nova/postgresql/*Z | tail -1").stdout.strip()
    _on("db-01", "bash", "-c", f"cp -p {newest}/app.dump /root/app.dump.good && "
        f"truncate -s $(( $(stat -c %s {newest}/app.dump) * 4 / 10 )) {newest}/app.dump")
    try:
        rc, output, _recap = playbook("playbooks/restore-drill.yml", "-e", "backup_drill_from=local")
    finally:
        _on("db-01", "mv", "/root/app.dump.good", f"{newest}/app.dump")
    assert rc != 0 and "app: table public.orders" in output, output[-3000:]


_POST = """
import json, sys, urllib.error, urllib.request
url, token, body = sys.argv[1], sys.argv[2], sys.argv[3]
request = urllib.request.Request(url, data=body.encode(), method="POST", headers={"Content-Type": "application/json"})
if token:
    request.add_header("Authorization", "Bearer " + token)
try:
    with urllib.request.urlopen(request, timeout=900) as reply:
        print(reply.status, reply.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode())
"""


def _webhook(token: str, body: str) -> tuple[int, str]:
    url = f"http://{_hostvars('mgmt-01')['wireguard_address']}:5678/webhook/nova-dgx-run"
    status, _sep, text = _on("mgmt-01", "python3", "-c", _POST, url, token, body).stdout.strip().partition(" ")
    return int(status), text


def test_n8n_publishes_the_workflow_and_its_webhook_refuses_what_it_must() -> None:
    """A real n8n 2.8.4 from the npm registry's packages (the machine's copy, scripts/npm-mirror) on mgmt-01, as `nova`,
    on the overlay only, with the workflow the role published. Every refused request is refused by the workflow
    before its command runs: the runner's locks directory never appears."""
    import hvac  # pylint: disable=import-outside-toplevel  # only these tests talk to the server

    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))

    def secret(path: str) -> str:
        return client.secrets.kv.v2.read_secret_version(path=path, mount_point="nova", raise_on_deleted_version=True)["data"]["data"]["value"]

    token, owner = secret("n8n/webhook-token"), secret("n8n/owner")
    assert _webhook("", '{"playbook": "site.yml", "limit": "all", "check": false}')[0] == 403
    assert _webhook("wrong-" + token, '{"playbook": "site.yml", "limit": "all"}')[0] == 403
    for body, why in (("{}", "playbook is required"), ('{"playbook": "site.yml"}', "limit is required"),
                      ('{"playbook": "site.yml", "limit": "dgx\'; touch /var/lib/nova-n8n/pwned; \'"}', "limit may only contain"),
                      ('{"playbook": "site.yml; id", "limit": "dgx"}', "playbook must be"),
                      ('{"playbook": "site.yml", "limit": "dgx", "check": "false"}', "check must be true or false"),
                      ('{"playbook": "site.yml", "limit": "dgx", "extra_vars": {"x": 1}}', "unknown field")):
        status, text = _webhook(token, body)
        assert status == 400 and why in json.loads(text)["error"] and json.loads(text)["status"] == "error", (body, status, text)
    assert _on("mgmt-01", "test", "-e", "/var/lib/nova-n8n/pwned", check=False).returncode == 1
    # n8n listens on the overlay only, and the lab network cannot reach it.
    lab_address = _hostvars("mgmt-01")["ansible_host"]
    assert _on("dgx-spark-01", "python3", "-c", _CONNECT, lab_address, "5678").stdout.strip() == "TimeoutError"
    assert _on("mgmt-01", "python3", "-c", _CONNECT, lab_address, "5678").stdout.strip() == "ConnectionRefusedError"
    # Its secrets are in no journal file, not in its environment file, unit or folder (n8n's database aside: a request's
    # headers pass through it while an execution runs, docs/n8n.md), and the folder is the account's alone.
    journal = pathlib.Path(os.environ.get("NOVA_DGX_JOURNAL_DIR", ROOT / "orchestration_journal"))
    for value in (token, owner):
        assert not [str(p) for p in journal.rglob("*") if p.is_file() and value in p.read_text(errors="replace")]
        assert _on("mgmt-01", "grep", "-rl", "--exclude-dir=.n8n", value, "/etc/nova-n8n", "/etc/systemd/system", "/var/lib/nova-n8n",
                   check=False).stdout == ""
    assert _on("mgmt-01", "stat", "-c", "%U %a", "/var/lib/nova-n8n", "/var/lib/nova-n8n/.n8n").stdout.split("\n")[:2] == ["nova 700", "nova 700"]
    unit = _on("mgmt-01", "systemctl", "show", "nova-n8n", "-p", "User", "-p", "ProtectSystem", "-p", "NoNewPrivileges").stdout
    assert "User=nova" in unit and "ProtectSystem=strict" in unit and "NoNewPrivileges=yes" in unit, unit


_RECEIVER = """
import http.server, sys
class Receive(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with open(sys.argv[1], "ab") as out:
            out.write(body.replace(b"\\n", b" ") + b"\\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", 8765), Receive).serve_forever()
"""


def test_the_control_node_runs_a_check_mode_playbook_for_the_webhook_and_refuses_an_overlap() -> None:
    """Through the webhook, a check-mode run of the base layer on db-01 from mgmt-01's release, as nova with its own key,
    known hosts and AppRole. A second request for the same host while it runs is answered 409 busy with the first run's
    ident; its notification goes to a dead target (nothing listens yet) and its answer is intact. The first run's
    notification reaches a receiver started meanwhile."""
    import hvac  # pylint: disable=import-outside-toplevel

    state = ROOT / ".lab/vault"
    client = hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                         verify=str(state / "ca.pem"))
    token = client.secrets.kv.v2.read_secret_version(path="n8n/webhook-token", mount_point="nova",
                                                     raise_on_deleted_version=True)["data"]["data"]["value"]
    runs = "/var/lib/nova/runner/runs"
    before = set(_on("mgmt-01", "ls", "-1", runs, check=False).stdout.split())
    _on("mgmt-01", "rm", "-f", "/root/notify.jsonl")
    assert _on("mgmt-01", "python3", "-c", _CONNECT, "127.0.0.1", "8765").stdout.strip() == "ConnectionRefusedError"
    body = '{"playbook": "playbooks/base.yml", "limit": "db-01"}'
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(_webhook, token, body)
        for _attempt in range(120):  # the run holds db-01 once its private directory exists
            if set(_on("mgmt-01", "ls", "-1", runs, check=False).stdout.split()) - before or first.done():
                break
            time.sleep(1)
        busy_status, busy_text = _webhook(token, body)
        subprocess.run(["docker", "exec", "-d", "nova-lab-mgmt-01", "python3", "-c", _RECEIVER, "/root/notify.jsonl"], check=True)
        status, text = first.result(timeout=900)
    result, busy = json.loads(text), json.loads(busy_text)
    assert status == 200 and result["status"] == "successful" and result["check"] is True, text
    assert result["hosts"] == ["db-01"] and result["stats"]["db-01"]["failed"] == 0 and result["stats"]["db-01"]["unreachable"] == 0
    assert result["journal_report"].startswith("/var/lib/nova/orchestration_journal/"), result
    assert busy_status == 409 and busy["status"] == "busy" and busy["busy"]["db-01"].startswith(result["ident"] + " "), busy_text
    # The run connected as nova with the control node's key (db-01's sshd says so), and its journal is on mgmt-01.
    assert _on("mgmt-01", "test", "-f", result["journal_report"], check=False).returncode == 0
    auth = _on("db-01", "journalctl", "-u", "ssh", "--no-pager", "-o", "cat", "--since", "-30min", check=False).stdout
    assert "Accepted publickey for nova from " + _hostvars("mgmt-01")["ansible_host"] in auth, auth[-2000:]
    # The first run's notification reached the receiver: what ran, where, how it ended, and its report.
    for _attempt in range(30):
        notes = _on("mgmt-01", "cat", "/root/notify.jsonl", check=False).stdout.splitlines()
        if notes:
            break
        time.sleep(1)
    note = json.loads(notes[-1])
    assert note["playbook"] == "playbooks/base.yml" and note["limit"] == "db-01" and note["status"] == "successful", note
    assert note["check"] is True and note["ident"] == result["ident"] and note["journal_report"] == result["journal_report"]
    # No secret of the control node's in its journal or the runner's artifacts.
    owner = client.secrets.kv.v2.read_secret_version(path="n8n/owner", mount_point="nova", raise_on_deleted_version=True)["data"]["data"]["value"]
    secret_id = _on("mgmt-01", "cat", "/var/lib/nova/.vault/secret-id").stdout.strip()
    for value in (token, owner, secret_id):
        assert _on("mgmt-01", "grep", "-rlF", value, "/var/lib/nova/orchestration_journal", "/var/lib/nova/runner", check=False).stdout == ""
    assert _on("mgmt-01", "stat", "-c", "%U %a", "/var/lib/nova/.vault/secret-id", "/var/lib/nova/.ssh/id_ed25519").stdout.split("\n")[:2] == \
        ["nova 600", "nova 600"]
    subprocess.run(["docker", "exec", "nova-lab-mgmt-01", "pkill", "-f", "notify.jsonl"], check=False)


def test_the_control_nodes_nightly_summary_is_archived_in_its_journal() -> None:
    """The timer's service, started now: the summary of the control node's journal, as Markdown and JSON."""
    _on("mgmt-01", "systemctl", "start", "nova-dgx-summary.service")
    listing = _on("mgmt-01", "ls", "-1", "/var/lib/nova/orchestration_journal/summaries").stdout.split()
    day = time.strftime("%Y%m%d", time.gmtime())
    assert f"summary-{day}.md" in listing and f"summary-{day}.json" in listing, listing
    summary = json.loads(_on("mgmt-01", "cat", f"/var/lib/nova/orchestration_journal/summaries/summary-{day}.json").stdout)
    assert "playbooks/base.yml" in json.dumps(summary), summary
    assert _on("mgmt-01", "systemctl", "is-enabled", "nova-dgx-summary.timer").stdout.strip() == "enabled"


def _readiness(*args: str) -> tuple[int, dict]:
    result = subprocess.run([str(BIN / "python"), "-m", "nova_dgx", "readiness", *args], capture_output=True, text=True, check=False,
                            cwd=ROOT, env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")), timeout=900)
    return result.returncode, json.loads(result.stdout.strip().splitlines()[-1])


def _red(outcome: dict) -> set[tuple[str, str]]:
    return {(row["host"], row["check"]) for row in outcome.get("failed_checks", [])}


def test_readiness_passes_on_the_converged_lab_and_each_breakage_turns_its_row_red() -> None:
    """After the drill test planted a corruption, a good drill first (readiness reads the last drill). Then the whole
    lab is ready; then breakages on db-01 (chrony, PostgreSQL, mongod, its WireGuard interface, a world-writable file in
    /etc) and on mgmt-01 (Vault sealed,
    a node exporter stopped) each turn exactly their own row red, with a non-zero exit and a detail."""
    import hvac  # pylint: disable=import-outside-toplevel

    rc, output, _recap = playbook("playbooks/restore-drill.yml")
    assert rc == 0, output[-3000:]
    code, outcome = _readiness()
    assert code == 0 and outcome["ready"] is True and not outcome["failed_checks"], outcome
    page = pathlib.Path(outcome["readiness_report"])
    text = page.read_text()
    assert text.startswith(f"# Readiness {time.strftime('%Y-%m-%d', time.gmtime())}: READY")
    for row in ("| db-01 | PostgreSQL answers | pass |", "| mgmt-01 | secrets server unsealed | pass |",
                "| mgmt-01 | every Prometheus target up | pass |", "| dgx-spark-01 | Docker running | pass |",
                "| dgx-spark-01 | k3s nodes Ready | pass |", "| dgx-spark-01 | GPU count | skipped |", "| db-01 | MongoDB answers | pass |",
                "| db-01 | security audit green | pass |", "| mgmt-01 | security audit green | pass |",
                "| dgx-spark-01 | security audit green | pass |"):
        assert row in text, (row, text)
    # db-01: five breakages, five red rows, nothing else (the audit's own clock check is left to the time row).
    _on("db-01", "systemctl", "stop", "chrony", "postgresql", "mongod")
    _on("db-01", "ip", "link", "set", "wg0", "down")
    _on("db-01", "install", "-m", "0666", "/dev/null", "/etc/nova-readiness-planted")
    try:
        code, outcome = _readiness("--limit", "db-01")
    finally:
        _on("db-01", "rm", "-f", "/etc/nova-readiness-planted")
        _on("db-01", "systemctl", "start", "chrony", "postgresql", "mongod")
        _on("db-01", "systemctl", "restart", "wg-quick@wg0")
    assert code == 2 and outcome["ready"] is False, outcome
    assert _red(outcome) == {("db-01", "time synchronised"), ("db-01", "PostgreSQL answers"), ("db-01", "WireGuard peers fresh"),
                             ("db-01", "MongoDB answers"), ("db-01", "security audit green")}, outcome
    details = {row["check"]: row["detail"] for row in outcome["failed_checks"]}
    assert "chronyd does not answer" in details["time synchronised"] and "systemctl status postgresql" in details["PostgreSQL answers"]
    assert "systemctl status mongod" in details["MongoDB answers"]
    assert "no world-writable files in /etc (/etc/nova-readiness-planted)" in details["security audit green"], details
    # mgmt-01: the secrets server sealed and dgx-spark-01's node exporter stopped (Prometheus's row names it).
    state = ROOT / ".lab/vault"
    hvac.Client(url=f"https://{_hostvars('mgmt-01')['ansible_host']}:8200", token=(state / "token").read_text().strip(),
                verify=str(state / "ca.pem")).sys.seal()
    _on("dgx-spark-01", "systemctl", "stop", "node_exporter")
    try:
        for _attempt in range(40):  # until Prometheus has scraped it down
            targets = json.loads(_on("mgmt-01", "python3", "-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
                                     f"http://{_hostvars('mgmt-01')['wireguard_address']}:9090/api/v1/targets").stdout)
            if any(t["health"] != "up" and t["labels"].get("host") == "dgx-spark-01" and t["labels"].get("job") == "node"
                   for t in targets["data"]["activeTargets"]):
                break
            time.sleep(3)
        code, outcome = _readiness("--limit", "mgmt-01")
    finally:
        _on("dgx-spark-01", "systemctl", "start", "node_exporter")
        _on("mgmt-01", "systemctl", "restart", "openbao")  # the static seal unseals it as it starts
    # A server that unsealed itself again restarted: its log says why (a crash on seal did, until the usage gauges were turned off).
    log = "" if ("mgmt-01", "secrets server unsealed") in _red(outcome) else \
        _on("mgmt-01", "journalctl", "-u", "openbao", "-n", "200", "--no-pager", "-o", "cat", check=False).stdout
    assert code == 2 and _red(outcome) == {("mgmt-01", "secrets server unsealed"), ("mgmt-01", "every Prometheus target up")}, (outcome, log)
    details = {row["check"]: row["detail"] for row in outcome["failed_checks"]}
    assert details["secrets server unsealed"].startswith("sealed") and "dgx-spark-01" in details["every Prometheus target up"], details
