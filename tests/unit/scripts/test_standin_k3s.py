"""The k3s stand-in (scripts/standin/k3s) as scripts/build-standin-repo packs it (one zipapp with a pure-Python PyYAML),
run for real on loopback with python3 -S (no site-packages: no PyYAML but the bundled one), each "host" a temporary
NOVA_STANDIN_ROOT: servers and agents register by token, notify systemd, and `k3s kubectl` shows what the role checks."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import pathlib
import socket
import stat
import subprocess
import sys
import tarfile
import textwrap
import time
import types
import typing as t
import urllib.request
import uuid
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
VERSION = "v1.36.2+k3s1"
TOKEN = "s3cr3t-cluster-token"


def _load() -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_standin_repo_k3s", str(ROOT / "scripts" / "build-standin-repo"))
    spec = importlib.util.spec_from_loader("build_standin_repo_k3s", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


build = _load()

DEVICE_PLUGIN = textwrap.dedent("""\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: nvidia-device-plugin-config, namespace: kube-system}
    data:
      config.yaml: |
        version: v1
        sharing:
          timeSlicing:
            resources:
              - name: nvidia.com/gpu
                replicas: 4
    ---
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: nvidia-device-plugin-daemonset, namespace: kube-system}
    spec:
      selector: {matchLabels: {name: nvidia-device-plugin-ds}}
      template:
        metadata: {labels: {name: nvidia-device-plugin-ds}}
        spec:
          runtimeClassName: nvidia
          nodeSelector: {nvidia.com/gpu.present: "true"}
          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
          containers:
            - name: nvidia-device-plugin-ctr
              image: nvcr.io/nvidia/k8s-device-plugin:v0.17.4
              args: ["--config-file=/config/config.yaml"]
          volumes: [{name: config, configMap: {name: nvidia-device-plugin-config}}]
    """)
RUNTIME_CLASS = "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: nvidia}\nhandler: nvidia\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def k3s(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    program = tmp_path_factory.mktemp("release") / "k3s"
    program.write_bytes(build.k3s_program(VERSION))
    program.chmod(0o755)
    return program


class Process:
    """A running k3s server or agent; READY=1 comes on its own abstract NOTIFY_SOCKET."""

    def __init__(self, popen: subprocess.Popen[bytes], log: pathlib.Path, notify: socket.socket) -> None:
        self.popen, self.log_file, self.notify = popen, log, notify

    def log(self) -> str:
        return self.log_file.read_text()

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"k3s exited {self.popen.returncode} before READY=1:\n{self.log()}")
            try:
                assert self.notify.recv(64) == b"READY=1"
                return
            except TimeoutError:
                continue
        pytest.fail(f"no READY=1 within {timeout}s:\n{self.log()}")

    def notified(self) -> bool:
        self.notify.settimeout(0.01)
        try:
            return bool(self.notify.recv(64))
        except TimeoutError:
            return False

    def stop(self) -> int:
        self.popen.terminate()
        return self.popen.wait(timeout=10)


class Host:
    """One stand-in host: its files under root (NOVA_STANDIN_ROOT), its PATH a directory of its own."""

    def __init__(self, k3s: pathlib.Path, root: pathlib.Path, started: list[Process]) -> None:
        self.k3s, self.root, self.started = k3s, root, started
        self.bin = root / "test-bin"
        self.bin.mkdir(parents=True)
        self.data = root / "var/lib/rancher/k3s"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("K3S_", "KUBECONFIG", "NOTIFY_SOCKET"))}
        return dict(env, NOVA_STANDIN_ROOT=str(self.root), PATH=str(self.bin), **(extra or {}))

    def config(self, text: str) -> None:
        path = self.root / "etc/rancher/k3s/config.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def executable(self, path: pathlib.Path, script: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script)
        path.chmod(0o755)

    def gpus(self, count: int) -> None:
        lines = "".join(f'echo "GPU {n}: NVIDIA GB10 (UUID: GPU-0000000{n})"\n' for n in range(count))
        self.executable(self.bin / "nvidia-smi", f'#!/bin/sh\n[ "$1" = -L ] || exit 2\n{lines}')

    def nvidia_runtime(self) -> pathlib.Path:
        path = self.root / "usr/bin/nvidia-container-runtime"
        self.executable(path, "#!/bin/sh\nexit 0\n")
        return path

    def manifest(self, name: str, text: str) -> None:
        path = self.data / "server/manifests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-S", str(self.k3s), *args], capture_output=True, text=True, timeout=timeout,
                              check=False, env=self.env(env))

    def kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("kubectl", *args)

    def kubectl_json(self, *args: str) -> t.Any:
        done = self.kubectl(*args, "-o", "json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def start(self, command: str, *args: str, env: dict[str, str] | None = None) -> Process:
        address = f"nova-k3s-test-{uuid.uuid4().hex}"
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind("\0" + address)
        notify.settimeout(0.1)
        log = self.root / f"{command}-{len(self.started)}.log"
        with log.open("wb") as handle:
            popen = subprocess.Popen([sys.executable, "-S", str(self.k3s), command, *args], stdout=handle, stderr=subprocess.STDOUT,
                                     env=self.env(dict(env or {}, NOTIFY_SOCKET="@" + address)))
        process = Process(popen, log, notify)
        self.started.append(process)
        return process


@pytest.fixture
def hosts(k3s: pathlib.Path, tmp_path: pathlib.Path) -> t.Iterator[t.Callable[[str], Host]]:
    started: list[Process] = []
    yield lambda name: Host(k3s, tmp_path / name, started)
    for process in started:
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()
        process.notify.close()


def server_config(port: int, *extra: str) -> str:
    return "\n".join([f"token: {TOKEN}", "bind-address: 127.0.0.1", f"https-listen-port: {port}", "node-ip: 127.0.0.1", *extra]) + "\n"


def by_name(items: list[dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    return {item["metadata"]["name"]: item for item in items}


def ready(node: dict[str, t.Any]) -> str:
    return next(str(c["status"]) for c in node["status"]["conditions"] if c["type"] == "Ready")


def run_pod(host: Host, overrides: dict[str, t.Any], *command: str) -> subprocess.CompletedProcess[str]:
    return host.kubectl("run", "gpu-check", "--image=nvcr.io/nvidia/cuda:13.0.1-base-ubuntu24.04", "--restart=Never", "--rm", "-i",
                        "--quiet", "--pod-running-timeout=60s", f"--overrides={json.dumps(overrides)}", "--command", "--", *command)


# --- the release artifacts ------------------------------------------------------------------------------------------

def test_version_and_a_deterministic_zipapp_with_pure_python_yaml(k3s: pathlib.Path, tmp_path: pathlib.Path) -> None:
    for args in (["--version"], ["-v"], ["version"]):
        done = subprocess.run([sys.executable, "-S", str(k3s), *args], capture_output=True, text=True, check=True)
        assert done.stdout == f"k3s version {VERSION} (standin0)\ngo version go1.24.4\n"
    assert k3s.read_bytes().startswith(b"#!/usr/bin/python3\n") and k3s.stat().st_mode & stat.S_IXUSR
    assert build.k3s_program(VERSION) == k3s.read_bytes()
    assert f'VERSION = "{build.K3S_PREVIOUS}"'.encode() in build.k3s_program(build.K3S_PREVIOUS)
    with zipfile.ZipFile(k3s) as archive:
        names = archive.namelist()
    assert names[0] == "__main__.py" and "yaml/__init__.py" in names and not [name for name in names if name.endswith(".so")]
    probe = f"import sys; sys.path.insert(0, {str(k3s)!r}); import yaml; print(yaml.__with_libyaml__, yaml.__file__)"
    done = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", f"{k3s}/yaml/__init__.py"]


def test_airgap_images_tarball_names_k3s_images_in_docker_save_layout() -> None:
    data = build.k3s_images("arm64")
    assert data == build.k3s_images("arm64") and data != build.k3s_images("amd64")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        manifest = json.load(t.cast(t.IO[bytes], archive.extractfile("manifest.json")))
        config = json.load(t.cast(t.IO[bytes], archive.extractfile(manifest[0]["Config"])))
        readme = t.cast(t.IO[bytes], archive.extractfile("README")).read().decode()
    assert manifest[0]["RepoTags"] == list(build.K3S_AIRGAP_IMAGES) and manifest[0]["Layers"] == []
    assert "docker.io/rancher/mirrored-pause:3.6" in manifest[0]["RepoTags"] and config["architecture"] == "arm64"
    assert "STAND-IN" in readme


def test_release_paths_are_where_the_role_downloads_the_url_encoded_version(
        monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setattr(build, "OUT", tmp_path)
    monkeypatch.setattr(build, "k3s_release", lambda: (VERSION, build.K3S_RELEASES))
    pins = build.build_k3s()
    assert set(pins["k3s"]) == {VERSION, build.K3S_PREVIOUS} and set(pins["k3s"][VERSION]) == {"amd64", "arm64"}
    # The role downloads .../download/v1.36.2%2Bk3s1/k3s-arm64 from file://<mirror>/github.com/...: urllib decodes it.
    url = build.K3S_RELEASES.replace("https://", f"file://{tmp_path}/artifacts/") + "/v1.36.2%2Bk3s1/k3s-arm64"
    with urllib.request.urlopen(url) as response:
        body = response.read()
    assert hashlib.sha256(body).hexdigest() == pins["k3s"][VERSION]["arm64"]
    images = tmp_path / "artifacts/github.com/k3s-io/k3s/releases/download/v1.35.8+k3s1/k3s-airgap-images-amd64.tar.gz"
    assert hashlib.sha256(images.read_bytes()).hexdigest() == pins["k3s_images"][build.K3S_PREVIOUS]["amd64"]


# --- configuration ----------------------------------------------------------------------------------------------------

def test_unknown_keys_and_flags_are_refused_like_go_and_a_missing_default_runtime_is_fatal(hosts: t.Callable[[str], Host]) -> None:
    host = hosts("a")
    host.config(server_config(free_port(), "bogus-key: 1"))
    done = host.run("server")
    assert done.returncode == 1 and "flag provided but not defined: -bogus-key" in done.stderr
    host.config(server_config(free_port()))
    done = host.run("server", "--no-such-flag=1")
    assert done.returncode == 1 and "flag provided but not defined: -no-such-flag" in done.stderr
    done = host.run("agent", "--cluster-init", "--server", "https://127.0.0.1:1", "--token", TOKEN)
    assert done.returncode == 1 and "flag provided but not defined: -cluster-init" in done.stderr
    host.config(server_config(free_port(), "default-runtime: nvidia"))
    done = host.run("server")
    assert done.returncode == 1 and 'default runtime \\"nvidia\\" is not available' in done.stderr and "nvidia-container-runtime was not found" in done.stderr
    done = host.run("server", "--node-taint", "gpu:Sometimes")
    assert done.returncode == 1 and 'failed to parse node taint \\"gpu:Sometimes\\"' in done.stderr


def test_kubectl_without_a_kubeconfig_or_a_running_server_is_refused(hosts: t.Callable[[str], Host]) -> None:
    host = hosts("a")
    done = host.kubectl("get", "nodes")
    assert done.returncode == 1 and "The connection to the server localhost:8080 was refused" in done.stderr
    port = free_port()
    host.config(server_config(port))
    server = host.start("server")
    server.wait_ready()
    assert host.kubectl("get", "nodes").returncode == 0
    assert "is not mimicked" in host.kubectl("get", "pods").stderr
    assert server.stop() == 0
    done = host.kubectl("get", "nodes")
    assert done.returncode == 1 and f"The connection to the server 127.0.0.1:{port} was refused" in done.stderr


# --- a cluster ----------------------------------------------------------------------------------------------------------

def test_a_gpu_server_and_an_agent(hosts: t.Callable[[str], Host]) -> None:
    server_host, agent_host = hosts("server"), hosts("agent")
    port = free_port()
    server_host.gpus(2)
    runtime = server_host.nvidia_runtime()
    (server_host.data / "agent/images").mkdir(parents=True)
    (server_host.data / "agent/images/k3s-airgap-images-amd64.tar.gz").write_bytes(build.k3s_images("amd64"))
    server_host.config(server_config(port, "cluster-init: true", 'write-kubeconfig-mode: "0640"',
                                     "node-label: [nvidia.com/gpu.present=true]", "node-name: spark"))
    server = server_host.start("server")
    server.wait_ready()
    assert "Imported images from" in server.log()
    kubeconfig = server_host.root / "etc/rancher/k3s/k3s.yaml"
    assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o640 and f"server: https://127.0.0.1:{port}" in kubeconfig.read_text()
    for name in ("token", "node-token"):
        token_file = server_host.data / "server" / name
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token_file.read_text().startswith("K10") and token_file.read_text().strip().endswith(f"::server:{TOKEN}")
    containerd = (server_host.data / "agent/etc/containerd/config.toml").read_text()
    assert '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes."nvidia"]' in containerd
    assert f'BinaryName = "{runtime}"' in containerd

    # An agent with a wrong token is refused; one with the right token (the K10 form, from the environment) joins.
    agent_host.gpus(1)  # GPUs, but no nvidia-container-runtime
    agent_host.config("node-ip: 127.0.0.1\nnode-name: worker\nnode-label: [nvidia.com/gpu.present=true, tier=batch]\n"
                      "node-taint: [nvidia.com/gpu=true:NoSchedule]\nwrite-kubeconfig-mode: '0644'\n")
    url = f"https://127.0.0.1:{port}"
    wrong = agent_host.start("agent", env={"K3S_URL": url, "K3S_TOKEN": "wrong"})
    assert wrong.popen.wait(timeout=15) == 1 and 'level=fatal msg="Error: token is invalid"' in wrong.log()
    token = (server_host.data / "server/node-token").read_text().strip()
    agent = agent_host.start("agent", env={"K3S_URL": url, "K3S_TOKEN": token})
    agent.wait_ready()
    assert "Unknown flag --write-kubeconfig-mode found in config.yaml, skipping" in agent.log()
    assert '."nvidia"]' not in (agent_host.data / "agent/etc/containerd/config.toml").read_text()

    nodes = by_name(server_host.kubectl_json("get", "nodes")["items"])
    assert set(nodes) == {"spark", "worker"} and {ready(node) for node in nodes.values()} == {"True"}
    spark, worker = nodes["spark"], nodes["worker"]
    assert spark["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true"
    assert spark["metadata"]["labels"]["node-role.kubernetes.io/etcd"] == "true"
    assert "node-role.kubernetes.io/control-plane" not in worker["metadata"]["labels"] and worker["metadata"]["labels"]["tier"] == "batch"
    assert worker["spec"]["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]
    assert spark["status"]["nodeInfo"]["kubeletVersion"] == VERSION
    assert spark["status"]["nodeInfo"]["containerRuntimeVersion"] == "containerd://2.2.5-k3s2"
    assert {"names": ["docker.io/rancher/mirrored-pause:3.6"], "sizeBytes": 0} in spark["status"]["images"]
    assert {"type": "InternalIP", "address": "127.0.0.1"} in spark["status"]["addresses"]
    assert "nvidia.com/gpu" not in spark["status"]["allocatable"]  # no device plugin yet
    assert server_host.kubectl_json("get", "node", "worker")["metadata"]["name"] == "worker"
    table = server_host.kubectl("get", "nodes").stdout
    assert "spark" in table and "control-plane,etcd,master" in table and "Ready" in table

    # k3s's packaged runtimes.yaml serves the nvidia RuntimeClass; a pod asking for one nobody defined is rejected.
    assert (server_host.data / "server/manifests/runtimes.yaml").is_file()
    assert server_host.kubectl_json("get", "runtimeclass", "nvidia")["handler"] == "nvidia"
    done = server_host.kubectl("get", "runtimeclass", "kata", "-o", "json")
    assert done.returncode == 1 and 'Error from server (NotFound): runtimeclasses.node.k8s.io "kata" not found' in done.stderr
    done = run_pod(server_host, {"spec": {"runtimeClassName": "kata"}}, sys.executable, "-c", "print('hello')")
    assert done.returncode == 1 and 'pod rejected: RuntimeClass "kata" not found' in done.stderr

    # The device plugin and its time-slicing ConfigMap: 2 GPUs x 4 replicas on the node with the runtime.
    server_host.manifest("nvidia-device-plugin.yaml", DEVICE_PLUGIN)
    nodes = by_name(server_host.kubectl_json("get", "nodes")["items"])
    assert nodes["spark"]["status"]["allocatable"]["nvidia.com/gpu"] == "8"
    assert "nvidia.com/gpu" not in nodes["worker"]["status"]["allocatable"]
    daemonset = server_host.kubectl_json("get", "daemonset", "nvidia-device-plugin-daemonset", "-n", "kube-system")
    assert (daemonset["status"]["desiredNumberScheduled"], daemonset["status"]["numberReady"]) == (2, 1)
    assert [item["metadata"]["name"] for item in server_host.kubectl_json("get", "daemonsets", "-A")["items"]] == [
        "nvidia-device-plugin-daemonset"]
    config_map = server_host.kubectl_json("get", "configmap", "nvidia-device-plugin-config", "-n", "kube-system")
    assert "timeSlicing" in config_map["data"]["config.yaml"]
    assert server_host.kubectl("get", "configmap", "nvidia-device-plugin-config", "-o", "json").returncode == 1  # namespace default

    # A pod under the nvidia RuntimeClass runs its command on the host, with its exit code; too many GPUs never schedule.
    gpu_pod: dict[str, t.Any] = {"spec": {"runtimeClassName": "nvidia", "containers": [
        {"name": "gpu-check", "image": "nvcr.io/nvidia/cuda:13.0.1-base-ubuntu24.04", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}
    done = run_pod(server_host, {"spec": {"runtimeClassName": "nvidia"}}, sys.executable, "-c", "print('hello from the gpu')")
    assert (done.returncode, done.stdout) == (0, "hello from the gpu\n"), done.stderr
    done = run_pod(server_host, {"spec": {"runtimeClassName": "nvidia"}}, sys.executable, "-c", "raise SystemExit(3)")
    assert done.returncode == 3
    strategic = server_host.kubectl("run", "gpu-check", "--image=cuda", "--rm", "-i", "--quiet", "--override-type=strategic",
                                    f"--overrides={json.dumps(gpu_pod)}", "--command", "--", sys.executable, "-c", "print(1)")
    assert (strategic.returncode, strategic.stdout) == (0, "1\n"), strategic.stderr
    gpu_pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = 9
    done = run_pod(server_host, gpu_pod, sys.executable, "-c", "print(1)")
    assert done.returncode == 1 and "pod gpu-check: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu." in done.stderr
    done = run_pod(server_host, {"spec": {"nodeName": "worker"}}, sys.executable, "-c", "print(1)")
    assert done.returncode == 1 and "runs pods only on the server's own node spark" in done.stderr

    # A .skip file takes the device plugin away again, as k3s's deploy controller does.
    (server_host.data / "server/manifests/nvidia-device-plugin.yaml.skip").touch()
    assert "nvidia.com/gpu" not in server_host.kubectl_json("get", "node", "spark")["status"]["allocatable"]
    assert json.loads(server_host.kubectl("version", "-o", "json").stdout)["serverVersion"]["gitVersion"] == VERSION
    assert agent.stop() == 0 and server.stop() == 0


def test_a_server_without_the_nvidia_runtime_cannot_run_nvidia_pods(hosts: t.Callable[[str], Host]) -> None:
    host = hosts("a")
    host.gpus(1)
    host.config(server_config(free_port()))
    host.manifest("runtimes.yaml", RUNTIME_CLASS)
    host.manifest("device-plugin.yaml", DEVICE_PLUGIN.replace('nodeSelector: {nvidia.com/gpu.present: "true"}', "nodeSelector: {}"))
    host.start("server").wait_ready()
    done = run_pod(host, {"spec": {"runtimeClassName": "nvidia"}}, sys.executable, "-c", "print(1)")
    assert done.returncode == 1 and 'no runtime for "nvidia" is configured' in done.stderr
    node = host.kubectl_json("get", "nodes")["items"][0]
    assert "nvidia.com/gpu" not in node["status"]["allocatable"] and ready(node) == "True"


def test_labels_set_through_kubectl_survive_the_nodes_reports_and_pods_can_be_deleted(hosts: t.Callable[[str], Host]) -> None:
    host = hosts("l")
    host.config(server_config(free_port()))
    host.start("server").wait_ready()
    name = host.kubectl_json("get", "nodes")["items"][0]["metadata"]["name"]
    assert host.kubectl("label", "node", name, "nvidia.com/gpu.present=true", "--overwrite").stdout.strip() == f"node/{name} labeled"
    assert host.kubectl("label", "node", name, "nvidia.com/gpu.present=true", "--overwrite").stdout.strip() == f"node/{name} not labeled"
    assert host.kubectl("label", "node", name, "nvidia.com/gpu.present=false").returncode == 1  # a new value needs --overwrite
    assert host.kubectl_json("get", "node", name)["metadata"]["labels"]["nvidia.com/gpu.present"] == "true"
    assert host.kubectl("label", "node", name, "nvidia.com/gpu.present-").stdout.strip() == f"node/{name} unlabeled"
    assert "nvidia.com/gpu.present" not in host.kubectl_json("get", "node", name)["metadata"]["labels"]
    assert "kubernetes.io/hostname" in host.kubectl_json("get", "node", name)["metadata"]["labels"]
    assert host.kubectl("label", "node", "nobody", "a=b").returncode == 1
    assert host.kubectl("delete", "pod", "nova-gpu-check", "--ignore-not-found", "--wait").returncode == 0
    assert 'pods "x" not found' in host.kubectl("delete", "pod", "x").stderr


def test_a_joining_server_needs_an_embedded_etcd_first_server(hosts: t.Callable[[str], Host]) -> None:
    first, second, third = hosts("first"), hosts("second"), hosts("third")
    port = free_port()
    first.config(server_config(port, "cluster-init: true", "node-name: cp-1"))
    first.start("server").wait_ready()
    second.config(server_config(free_port(), f"server: https://127.0.0.1:{port}", "node-name: cp-2"))
    second.start("server").wait_ready()
    nodes = by_name(second.kubectl_json("get", "nodes")["items"])
    assert set(nodes) == {"cp-1", "cp-2"} and nodes["cp-2"]["metadata"]["labels"]["node-role.kubernetes.io/etcd"] == "true"
    plain_port = free_port()
    third.config(server_config(plain_port, "node-name: single"))
    third.start("server").wait_ready()
    joining = hosts("fourth")
    joining.config(server_config(free_port(), f"server: https://127.0.0.1:{plain_port}"))
    done = joining.run("server")
    assert done.returncode == 1 and "does not run embedded etcd" in done.stderr


def test_an_agent_keeps_retrying_an_unreachable_server_without_notifying(hosts: t.Callable[[str], Host]) -> None:
    host = hosts("a")
    agent = host.start("agent", "--server", f"https://127.0.0.1:{free_port()}", "--token", TOKEN, "--node-ip", "127.0.0.1")
    time.sleep(3)
    assert agent.popen.poll() is None and not agent.notified()
    assert "level=error" in agent.log() and "connection refused" in agent.log()
    assert agent.stop() == 0
