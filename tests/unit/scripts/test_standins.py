"""The stand-ins for DCGM's nv-hostengine, dcgm-exporter, cAdvisor and Grafana (scripts/standin/), run as the
packages run them (with the shebang and version scripts/build-standin-repo gives them) on loopback: they take
the real programs' flags, refuse what the real ones refuse and serve the endpoints the roles and the lab use."""

from __future__ import annotations

import base64
import datetime
import http.server
import importlib.machinery
import importlib.util
import json
import os
import pathlib
import re
import socket
import socketserver
import stat
import subprocess
import sys
import threading
import time
import types
import typing as t
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _load() -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_standin_repo", str(ROOT / "scripts" / "build-standin-repo"))
    spec = importlib.util.spec_from_loader("build_standin_repo", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


build = _load()
GB10_LABELS = ('gpu="0",UUID="GPU-00000000-0000-0000-0000-00000000b10e",pci_bus_id="0000000F:01:00.0",'
               'device="nvidia0",modelName="NVIDIA GB10"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str, auth: tuple[str, str] | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if auth is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str, auth: tuple[str, str] | None = None) -> tuple[int, t.Any]:
    status, body = get(url, auth)
    return status, json.loads(body)


class Programs:
    """Each stand-in as the package ships it; started processes are stopped (SIGTERM) at the end of the test."""

    def __init__(self, tmp_path: pathlib.Path) -> None:
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen[bytes], pathlib.Path]] = []

    def path(self, name: str, version: str) -> pathlib.Path:
        target = self.tmp_path / "bin" / name
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            target.write_text("#!/usr/bin/python3\n" + (ROOT / "scripts" / "standin" / name).read_text().replace("@VERSION@", version))
            target.chmod(0o755)
        return target

    def run(self, name: str, version: str, *args: str, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(self.path(name, version)), *args], capture_output=True, text=True, timeout=20,
                              check=False, input=stdin, env=dict(os.environ, **(env or {})), cwd=self.tmp_path)

    def start(self, name: str, version: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self.tmp_path / f"{name}-{len(self.processes)}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen([sys.executable, str(self.path(name, version)), *args], stdout=handle, stderr=subprocess.STDOUT,
                                       env=dict(os.environ, **(env or {})), cwd=self.tmp_path)
        self.processes.append((process, log))
        return process

    def log(self, process: subprocess.Popen[bytes]) -> str:
        return next(log.read_text() for started, log in self.processes if started is process)

    def wait_http(self, process: subprocess.Popen[bytes], url: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{url}: the stand-in exited {process.returncode}:\n{self.log(process)}")
            try:
                get(url, timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"{url} never answered:\n{self.log(process)}")

    def stop(self, process: subprocess.Popen[bytes]) -> int:
        process.terminate()
        return process.wait(timeout=10)

    def close(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def programs(tmp_path: pathlib.Path) -> t.Iterator[Programs]:
    started = Programs(tmp_path)
    yield started
    started.close()


# --- DCGM: nv-hostengine and dcgm-exporter --------------------------------------------------------------------------

def start_hostengine(programs: Programs, tmp_path: pathlib.Path) -> int:
    port = free_port()
    engine = programs.start("nv-hostengine", "4.6.0", "-n", "--service-account", "nvidia-dcgm", "-b", "127.0.0.1", "-p", str(port),
                            "--pid", str(tmp_path / "nvhostengine.pid"), "-f", str(tmp_path / "nv-hostengine.log"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        assert engine.poll() is None, programs.log(engine)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return port
        except OSError:
            time.sleep(0.05)
    pytest.fail("nv-hostengine never listened")


def test_hostengine_accepts_connections_answers_nothing_and_stops_on_sigterm(programs: Programs, tmp_path: pathlib.Path) -> None:
    port = start_hostengine(programs, tmp_path)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
        assert client.recv(16) == b""  # accepted, then closed: no DCGM protocol
    assert (tmp_path / "nvhostengine.pid").read_text().strip() == str(programs.processes[0][0].pid)
    assert "stand-in" in (tmp_path / "nv-hostengine.log").read_text()
    assert programs.stop(programs.processes[0][0]) == 0
    assert programs.run("nv-hostengine", "4.6.0", "--bogus").returncode == 1


COUNTERS = build.DCGM_COUNTERS.replace("# DCGM_EXP_XID_ERRORS_COUNT,", "DCGM_EXP_XID_ERRORS_COUNT,")


def test_dcgm_exporter_refuses_an_unknown_field_a_bad_type_and_an_unreachable_host_engine(programs: Programs,
                                                                                          tmp_path: pathlib.Path) -> None:
    csv = tmp_path / "counters.csv"
    csv.write_text(COUNTERS + "NOT_A_DCGM_FIELD, gauge, Nothing.\n")
    done = programs.run("dcgm-exporter", "4.8.3", "-f", str(csv), "-a", f"127.0.0.1:{free_port()}")
    assert done.returncode == 1 and "could not find DCGM field NOT_A_DCGM_FIELD" in done.stderr
    csv.write_text("DCGM_FI_DEV_GPU_TEMP, thermometer, GPU temperature.\n")
    done = programs.run("dcgm-exporter", "4.8.3", f"--collectors={csv}")
    assert done.returncode == 1 and "could not find Prometheus metric type thermometer" in done.stderr
    csv.write_text(COUNTERS)
    done = programs.run("dcgm-exporter", "4.8.3", "-f", str(csv), "-r", f"127.0.0.1:{free_port()}")
    assert done.returncode == 1 and "Error connecting to nv-hostengine" in done.stderr
    done = programs.run("dcgm-exporter", "4.8.3", "--no-such-flag")
    assert done.returncode == 1 and "flag provided but not defined: --no-such-flag" in done.stderr
    assert programs.run("dcgm-exporter", "4.8.3", "--version").stdout.startswith("dcgm-exporter version 4.8.3")


def series(text: str, name: str) -> list[tuple[str, float]]:
    return [(match.group(1), float(match.group(2))) for match in re.finditer(rf"^{name}\{{(.*)\}} (\S+)$", text, re.M)]


def test_dcgm_exporter_serves_an_idle_gb10_without_the_fields_gb10_lacks_and_counts_injected_xids(
        programs: Programs, tmp_path: pathlib.Path) -> None:
    engine = start_hostengine(programs, tmp_path)
    csv, xid_file, port = tmp_path / "counters.csv", tmp_path / "xid", free_port()
    csv.write_text(COUNTERS)
    exporter = programs.start("dcgm-exporter", "4.8.3", "-f", str(csv), "--address", f"127.0.0.1:{port}", "-r",
                              f"127.0.0.1:{engine}", "-c", "1000", env={"NOVA_STANDIN_XID_FILE": str(xid_file)})
    programs.wait_http(exporter, f"http://127.0.0.1:{port}/health")
    assert get(f"http://127.0.0.1:{port}/health") == (200, b"OK")
    text = get(f"http://127.0.0.1:{port}/metrics")[1].decode()
    labels = f'{GB10_LABELS},Hostname="{socket.gethostname()}",DCGM_FI_DRIVER_VERSION="580.95.05"'
    assert series(text, "DCGM_FI_DEV_GPU_TEMP") == [(labels, 41)]
    assert series(text, "DCGM_FI_DEV_SM_CLOCK")[0][1] > 1000  # the lab's "clock stuck low" alert stays silent
    assert series(text, "DCGM_FI_DEV_POWER_USAGE")[0][1] == 11.5
    assert series(text, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS")[0][1] == 1
    assert series(text, "DCGM_FI_DEV_MEMORY_TEMP")[0][1] == 0 and series(text, "DCGM_FI_DEV_MEM_COPY_UTIL")[0][1] == 0
    assert "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter" in text
    for absent in ("DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_EXP_XID_ERRORS_COUNT",
                   "DCGM_FI_DRIVER_VERSION{"):
        assert absent not in text
    listed = [[part.strip() for part in line.split(",", 2)] for line in COUNTERS.splitlines() if line and not line.startswith("#")]
    for field, kind, _help in listed:  # every other field of the shipped list, one series each
        if kind != "label" and field not in ("DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
                                             "DCGM_EXP_XID_ERRORS_COUNT"):
            assert len(series(text, field)) == 1, field
    assert re.search(r"^nova_standin_exporter 1$", text, re.M)
    energy = series(text, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")[0][1]
    xid_file.write_text("79\n43\n79\n")
    time.sleep(0.05)
    text = get(f"http://127.0.0.1:{port}/metrics")[1].decode()
    assert series(text, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")[0][1] > energy
    counts = {re.search(r'xid="(\d+)"', found).group(1): value  # type: ignore[union-attr]
              for found, value in series(text, "DCGM_EXP_XID_ERRORS_COUNT")}
    assert counts == {"43": 1, "79": 2}
    assert series(text, "DCGM_FI_DEV_XID_ERRORS")[0][1] == 79
    assert programs.stop(exporter) == 0


# --- cAdvisor -------------------------------------------------------------------------------------------------------

def test_cadvisor_refuses_an_unknown_flag_like_go(programs: Programs) -> None:
    done = programs.run("cadvisor", "0.52.1", "-port=8080", "-x")
    assert done.returncode == 2 and done.stderr.startswith("flag provided but not defined: -x")
    done = programs.run("cadvisor", "0.52.1", "-disable_metrics=cpu,bogus")
    assert done.returncode == 2 and 'unsupported metric "bogus"' in done.stderr
    assert programs.run("cadvisor", "0.52.1", "--version").stdout.startswith("cAdvisor version v0.52.1")


def test_cadvisor_without_docker_reports_the_root_cgroup_and_a_scrape_error(programs: Programs, tmp_path: pathlib.Path) -> None:
    port = free_port()
    cadvisor = programs.start("cadvisor", "0.52.1", "-listen_ip", "127.0.0.1", f"-port={port}", "-docker_only",
                              "-housekeeping_interval=10s", "-store_container_labels=false", "-docker",
                              f"unix://{tmp_path}/missing.sock", "-logtostderr", "-v", "2")
    programs.wait_http(cadvisor, f"http://127.0.0.1:{port}/healthz")
    assert get(f"http://127.0.0.1:{port}/healthz") == (200, b"ok")
    text = get(f"http://127.0.0.1:{port}/metrics")[1].decode()
    assert re.search(r"^container_scrape_error 1$", text, re.M)
    assert 'cadvisorVersion="v0.52.1"' in text
    root = 'id="/",image="",name=""'
    assert series(text, "container_cpu_usage_seconds_total")[0][0] == f'cpu="total",{root}'
    for name in ("container_memory_working_set_bytes", "container_memory_usage_bytes", "container_start_time_seconds",
                 "container_last_seen"):
        assert [labels for labels, _value in series(text, name)] == [root], name
    assert series(text, "container_last_seen")[0][1] == pytest.approx(time.time(), abs=30)
    assert series(text, "machine_memory_bytes")[0][1] > 0
    assert programs.stop(cadvisor) == 0


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def test_cadvisor_reports_docker_containers_from_the_api_and_cgroup_v2(programs: Programs, tmp_path: pathlib.Path) -> None:
    full_id = "ab" * 32
    cgroup = tmp_path / "cgroup"
    scope = cgroup / "system.slice" / f"docker-{full_id}.scope"
    scope.mkdir(parents=True)
    (cgroup / "cgroup.controllers").write_text("cpu memory\n")
    (cgroup / "cpu.stat").write_text("usage_usec 9000000\n")
    (scope / "cpu.stat").write_text("usage_usec 1500000\nuser_usec 1000000\n")
    (scope / "memory.current").write_text("104857600\n")
    (scope / "memory.stat").write_text("anon 1\ninactive_file 4857600\n")
    listing = [{"Id": full_id, "Image": "nginx:1.27", "Names": ["/web"], "Labels": {"com.example.role": "web"}}]
    detail = {"Id": full_id, "State": {"Pid": 0, "StartedAt": "2026-08-01T10:00:00.123456789Z"}}

    class Docker(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = json.dumps(listing if self.path == "/containers/json" else detail).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def address_string(self) -> str:
            return "docker"

        def log_message(self, *args: t.Any) -> None:
            pass

    sock = tmp_path / "docker.sock"
    docker = _UnixHTTPServer(str(sock), Docker)
    threading.Thread(target=docker.serve_forever, daemon=True).start()
    try:
        port = free_port()
        cadvisor = programs.start("cadvisor", "0.52.1", "-listen_ip=127.0.0.1", "-port", str(port), "-docker", f"unix://{sock}",
                                  env={"NOVA_STANDIN_CGROUP_ROOT": str(cgroup)})
        programs.wait_http(cadvisor, f"http://127.0.0.1:{port}/healthz")
        text = get(f"http://127.0.0.1:{port}/metrics")[1].decode()
    finally:
        docker.shutdown()
        docker.server_close()
    assert re.search(r"^container_scrape_error 0$", text, re.M)
    label, rest = 'container_label_com_example_role="web"', f'id="/system.slice/docker-{full_id}.scope",image="nginx:1.27",name="web"'
    web = f"{label},{rest}"
    assert (f'{label},cpu="total",{rest}', 1.5) in series(text, "container_cpu_usage_seconds_total")
    assert (web, 104857600) in series(text, "container_memory_usage_bytes")
    assert (web, 100000000) in series(text, "container_memory_working_set_bytes")
    started = datetime.datetime(2026, 8, 1, 10, tzinfo=datetime.timezone.utc).timestamp() + 0.123456789
    assert (web, pytest.approx(started)) in series(text, "container_start_time_seconds")
    assert ('cpu="total",id="/",image="",name=""', 9.0) in series(text, "container_cpu_usage_seconds_total")


# --- Grafana --------------------------------------------------------------------------------------------------------

class Grafana:
    """A homepath with the package's defaults.ini, a grafana.ini and provisioning under tmp_path, started as the unit does."""

    def __init__(self, programs: Programs, tmp_path: pathlib.Path) -> None:
        self.programs, self.tmp_path = programs, tmp_path
        self.home = tmp_path / "share"
        (self.home / "conf").mkdir(parents=True)
        (self.home / "conf" / "defaults.ini").write_text(build.GRAFANA_DEFAULTS_INI)
        self.provisioning = tmp_path / "provisioning"
        for directory in ("datasources", "dashboards"):
            (self.provisioning / directory).mkdir(parents=True)
        self.ini = tmp_path / "grafana.ini"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.write_ini("first-Pa55")

    def write_ini(self, password: str, extra: str = "") -> None:
        self.ini.write_text(f"[server]\nhttp_addr = 127.0.0.1\nhttp_port = {self.port}\n[security]\nadmin_user = admin\n"
                            f"admin_password = $__file{{{self.tmp_path}/password}}\n{extra}")
        (self.tmp_path / "password").write_text(password + "\n")

    def args(self) -> list[str]:
        return [f"--config={self.ini}", f"--homepath={self.home}", f"--pidfile={self.tmp_path}/grafana-server.pid", "--packaging=deb",
                f"cfg:default.paths.logs={self.tmp_path}/log", f"cfg:default.paths.data={self.tmp_path}/data",
                f"cfg:default.paths.plugins={self.tmp_path}/data/plugins", f"cfg:default.paths.provisioning={self.provisioning}"]

    def start(self) -> subprocess.Popen[bytes]:
        process = self.programs.start("grafana", "12.2.1", "server", *self.args())
        self.programs.wait_http(process, f"{self.url}/api/health")
        return process

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.programs.run("grafana", "12.2.1", "cli", f"--homepath={self.home}", f"--config={self.ini}",
                                 f"--configOverrides=cfg:default.paths.data={self.tmp_path}/data", *args, stdin=stdin)


@pytest.fixture
def grafana(programs: Programs, tmp_path: pathlib.Path) -> Grafana:
    return Grafana(programs, tmp_path)


def test_grafana_keeps_the_first_start_password_and_takes_a_reset_from_the_cli(grafana: Grafana, tmp_path: pathlib.Path) -> None:
    assert grafana.programs.run("grafana", "12.2.1", "--version").stdout.strip() == "grafana version 12.2.1 (nova.dgx stand-in)"
    server = grafana.start()
    assert get_json(f"{grafana.url}/api/health") == (200, {"commit": "standin", "database": "ok", "version": "12.2.1"})
    assert get_json(f"{grafana.url}/api/user")[0] == 401
    assert get_json(f"{grafana.url}/api/user", ("admin", "wrong")) == (401, {"message": "Invalid username or password"})
    status, user = get_json(f"{grafana.url}/api/user", ("admin", "first-Pa55"))
    assert status == 200 and user["login"] == "admin" and user["isGrafanaAdmin"] is True
    metrics = get(f"{grafana.url}/metrics")[1].decode()  # Grafana's own, without auth
    assert re.search(r'^grafana_build_info\{.*version="12\.2\.1".*\} 1$', metrics, re.M)
    database = tmp_path / "data" / "grafana.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o640
    assert "first-Pa55" not in database.read_text()
    assert (tmp_path / "grafana-server.pid").read_text() == str(server.pid)
    assert "Created default admin" in (tmp_path / "log" / "grafana.log").read_text()
    assert grafana.programs.stop(server) == 0

    grafana.write_ini("second-Pa55")  # only the first start takes admin_password
    server = grafana.start()
    assert get(f"{grafana.url}/api/user", ("admin", "first-Pa55"))[0] == 200
    assert get(f"{grafana.url}/api/user", ("admin", "second-Pa55"))[0] == 401

    assert grafana.cli("admin", "reset-admin-password", "--password-from-stdin", stdin="abc\n").returncode == 1  # too short
    done = grafana.cli("admin", "reset-admin-password", "--password-from-stdin", stdin="third-Pa55\n")
    assert done.returncode == 0 and "Admin password changed successfully ✔" in done.stdout, done.stderr
    assert get(f"{grafana.url}/api/user", ("admin", "third-Pa55"))[0] == 200  # read again at each check: no restart
    assert get(f"{grafana.url}/api/user", ("admin", "first-Pa55"))[0] == 401
    assert stat.S_IMODE(database.stat().st_mode) == 0o640
    assert grafana.programs.stop(server) == 0


class _Prometheus(http.server.BaseHTTPRequestHandler):
    queries: list[tuple[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        form = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.queries.append((self.path, form))
        body = json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [time.time(), "2"]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: t.Any) -> None:
        pass


def dashboard(uid: str, title: str, datasource: str = "prometheus") -> str:
    return json.dumps({"uid": uid, "title": title, "tags": ["nova"], "schemaVersion": 41,
                       "panels": [{"type": "timeseries", "datasource": {"type": "prometheus", "uid": datasource},
                                   "targets": [{"expr": "up", "datasource": {"uid": "${datasource}"}}]}]})


def test_grafana_provisions_datasources_and_dashboards_and_checks_a_prometheus(grafana: Grafana, tmp_path: pathlib.Path) -> None:
    prometheus = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Prometheus)
    threading.Thread(target=prometheus.serve_forever, daemon=True).start()
    dashboards = tmp_path / "dashboards"
    (dashboards / "gpu").mkdir(parents=True)
    (grafana.provisioning / "datasources" / "nova.yml").write_text(
        "apiVersion: 1\ndatasources:\n"
        f"  - name: Prometheus\n    uid: prometheus\n    type: prometheus\n    access: proxy\n    isDefault: true\n"
        f"    url: http://127.0.0.1:{prometheus.server_address[1]}\n    jsonData: {{httpMethod: POST, timeInterval: 15s}}\n"
        f"  - name: Gone\n    uid: gone\n    type: prometheus\n    url: http://127.0.0.1:{free_port()}\n")
    (grafana.provisioning / "dashboards" / "nova.yaml").write_text(
        f"apiVersion: 1\nproviders:\n  - name: nova\n    type: file\n    folder: Nova\n    updateIntervalSeconds: 1\n"
        f"    options:\n      path: {dashboards}\n")
    (dashboards / "node.json").write_text(dashboard("nova-node", "Node"))
    (dashboards / "gpu" / "gpu.json").write_text(dashboard("nova-gpu", "GPU", datasource="not-provisioned"))
    (dashboards / "zz-copy.json").write_text(dashboard("nova-node", "Node (a copy)"))  # after node.json: node.json keeps the uid
    (dashboards / "broken.json").write_text("{not json")
    grafana.write_ini("first-Pa55", "[auth.anonymous]\nenabled = true\n")
    server = grafana.start()
    admin = ("admin", "first-Pa55")
    try:
        status, sources = get_json(f"{grafana.url}/api/datasources", admin)
        assert status == 200 and [(s["uid"], s["type"], s["isDefault"]) for s in sources] == [
            ("prometheus", "prometheus", True), ("gone", "prometheus", False)]
        assert get_json(f"{grafana.url}/api/datasources/uid/prometheus", admin)[1]["jsonData"]["timeInterval"] == "15s"
        assert get_json(f"{grafana.url}/api/datasources/uid/prometheus/health", admin) == (
            200, {"status": "OK", "message": "Successfully queried the Prometheus API."})
        assert _Prometheus.queries[-1][0] == "/api/v1/query" and "query=1%2B1" in _Prometheus.queries[-1][1]
        status, health = get_json(f"{grafana.url}/api/datasources/uid/gone/health", admin)
        assert status == 400 and health["status"] == "ERROR"
        assert get(f"{grafana.url}/api/datasources/uid/missing", admin)[0] == 404

        status, found = get_json(f"{grafana.url}/api/search?type=dash-db", admin)
        assert status == 200 and [(d["uid"], d["title"], d["folderTitle"], d["tags"]) for d in found] == [
            ("nova-gpu", "GPU", "Nova", ["nova"]), ("nova-node", "Node", "Nova", ["nova"])]  # the copy and the broken file skipped
        status, gpu = get_json(f"{grafana.url}/api/dashboards/uid/nova-gpu", admin)
        assert status == 200 and gpu["meta"]["provisioned"] is True and gpu["meta"]["folderTitle"] == "Nova"
        assert gpu["meta"]["provisionedExternalId"] == "gpu/gpu.json"
        assert gpu["dashboard"]["panels"][0]["datasource"]["uid"] == "not-provisioned"  # loaded as is, as Grafana does
        log = grafana.programs.log(server)
        assert "the same UID is used more than once" in log and "broken.json" in log

        # Anonymous Viewer: dashboards yes, data sources no; a wrong password is still refused.
        assert get(f"{grafana.url}/api/search?type=dash-db")[0] == 200
        assert get(f"{grafana.url}/api/datasources")[0] == 403
        assert get(f"{grafana.url}/api/search", ("admin", "nope"))[0] == 401

        (dashboards / "new.json").write_text(dashboard("nova-new", "New"))  # picked up without a restart
        deadline = time.monotonic() + 5
        while get(f"{grafana.url}/api/dashboards/uid/nova-new", admin)[0] != 200:
            assert time.monotonic() < deadline, "the new dashboard file was never provisioned"
            time.sleep(0.2)
        (dashboards / "new.json").unlink()
        while get(f"{grafana.url}/api/dashboards/uid/nova-new", admin)[0] != 404:
            assert time.monotonic() < deadline + 5, "the removed dashboard file stayed provisioned"
            time.sleep(0.2)
    finally:
        prometheus.shutdown()
        prometheus.server_close()
    assert grafana.programs.stop(server) == 0


def test_grafana_refuses_two_default_datasources_and_a_provider_without_a_path(grafana: Grafana) -> None:
    (grafana.provisioning / "datasources" / "a.yaml").write_text(
        "apiVersion: 1\ndatasources:\n  - {name: A, type: prometheus, url: 'http://a', isDefault: true}\n")
    (grafana.provisioning / "datasources" / "b.yaml").write_text(
        "apiVersion: 1\ndatasources:\n  - {name: B, type: prometheus, url: 'http://b', isDefault: true}\n")
    done = grafana.programs.run("grafana", "12.2.1", "server", *grafana.args())
    assert done.returncode == 1 and "Only one datasource per organization can be marked as default" in done.stderr
    (grafana.provisioning / "datasources" / "b.yaml").write_text(
        "apiVersion: 1\ndatasources:\n  - {name: B, type: prometheus, uid: same}\n  - {name: C, type: loki, uid: same}\n")
    done = grafana.programs.run("grafana", "12.2.1", "server", *grafana.args())
    assert done.returncode == 1 and "data source with the same uid already exists" in done.stderr
    (grafana.provisioning / "datasources" / "b.yaml").unlink()
    (grafana.provisioning / "dashboards" / "p.yaml").write_text("apiVersion: 1\nproviders:\n  - {name: x, type: file, options: {}}\n")
    done = grafana.programs.run("grafana", "12.2.1", "server", *grafana.args())
    assert done.returncode == 1 and "path param is not valid" in done.stderr
