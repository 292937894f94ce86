"""nova.dgx.k3s on a server (playing a GPU host) and an agent, after converge, the idempotence run and the upgrade
(side_effect.yml). k3s is a STAND-IN (scripts/standin/k3s, docs/testing.md); what is proven is the role's side:
the files and their modes, the token from the secrets server and nowhere else, the agent joined with it, the
firewall openings, the GPU manifests k3s applies and what the role's kubectl calls see."""

from __future__ import annotations

import json
import os
import pathlib

import testinfra.utils.ansible_runner

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"])
testinfra_hosts = RUNNER.get_hosts("all")
SERVER = "k3s-server-01"
JOURNAL = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "build" / "journal"


def _server(host):
    return host if host.backend.get_hostname() == SERVER else testinfra.get_host(f"ansible://{SERVER}", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def _kubectl(host, *args: str) -> dict:
    return json.loads(_server(host).check_output("k3s kubectl " + " ".join(args) + " -o json"))


def test_config_token_and_kubeconfig_are_root_only(host) -> None:
    with host.sudo():
        for path in ("/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s/token"):
            assert host.file(path).mode == 0o600 and host.file(path).user == "root", path
        token = host.file("/etc/rancher/k3s/token").content_string.strip()
        config = host.file("/etc/rancher/k3s/config.yaml").content_string
        unit = host.check_output("systemctl cat %s", "k3s" if host.backend.get_hostname() == SERVER else "k3s-agent")
    assert len(token) >= 32
    assert token not in config and token not in unit
    assert "token-file: /etc/rancher/k3s/token" in config
    if host.backend.get_hostname() == SERVER:
        assert host.file("/etc/rancher/k3s/k3s.yaml").mode == 0o600
        assert "default-runtime: nvidia" in config and "secrets-encryption: true" in config
    else:
        assert "server: https://k3s-server-01:6443" in config and "max-pods=150" in config


def test_the_token_never_reaches_the_journal(host) -> None:
    with host.sudo():
        token = host.file("/etc/rancher/k3s/token").content_string.strip()
    leaked = [str(path) for path in JOURNAL.rglob("*") if path.is_file() and token in path.read_text(errors="replace")]
    assert not leaked


def test_registries_yaml_names_the_mirror(host) -> None:
    with host.sudo():
        registries = host.file("/etc/rancher/k3s/registries.yaml")
        assert registries.mode == 0o600
        assert "https://registry.molecule.internal:5000" in registries.content_string


def test_both_nodes_are_ready_on_the_upgraded_release(host) -> None:
    with host.sudo():
        nodes = {item["metadata"]["name"]: item for item in _kubectl(host, "get", "nodes")["items"]}
    assert sorted(nodes) == ["k3s-agent-01", SERVER]
    for name, node in nodes.items():
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", name
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.36.2+k3s1", name
    assert "node-role.kubernetes.io/control-plane" in nodes[SERVER]["metadata"]["labels"]
    assert nodes[SERVER]["metadata"]["labels"].get("nvidia.com/gpu.present") == "true"


def test_the_gpu_is_schedulable_twice_with_time_slicing(host) -> None:
    with host.sudo():
        nodes = {item["metadata"]["name"]: item for item in _kubectl(host, "get", "nodes")["items"]}
        assert nodes[SERVER]["status"]["allocatable"]["nvidia.com/gpu"] == "2"
        assert "nvidia.com/gpu" not in nodes["k3s-agent-01"]["status"]["allocatable"]
        assert _kubectl(host, "get", "runtimeclass", "nvidia")["handler"] == "nvidia"
        plugin = _kubectl(host, "get", "daemonset", "nvidia-device-plugin-daemonset", "-n", "kube-system")
    image = plugin["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.startswith("nvcr.io/nvidia/k8s-device-plugin:v0.20.0@sha256:")


def test_the_server_runs_containerd_with_the_nvidia_runtime_as_default(host) -> None:
    if host.backend.get_hostname() != SERVER:
        return
    with host.sudo():
        toml = host.file("/var/lib/rancher/k3s/agent/etc/containerd/config.toml").content_string
    assert '"nvidia"' in toml and 'default_runtime_name = "nvidia"' in toml


def test_the_ports_open_to_the_cluster_network_only(host) -> None:
    with host.sudo():
        ruleset = host.check_output("nft list ruleset")
    rules = {line.split('comment "')[1].split(":")[0]: line for line in ruleset.splitlines() if 'comment "k3s-' in line}
    expected = {"k3s-kubelet", "k3s-flannel", "k3s-pods"} | ({"k3s-api"} if host.backend.get_hostname() == SERVER else set())
    assert set(rules) == expected
    for name in expected - {"k3s-pods"}:
        assert "172.31.251.0/24" in rules[name], rules[name]
    assert "10250" in rules["k3s-kubelet"] and "udp dport 8472" in rules["k3s-flannel"]
    assert ("6443" in rules["k3s-pods"]) == (host.backend.get_hostname() == SERVER)


def test_the_kubeconfig_reached_the_controller_for_its_owner_only_pointing_at_the_server() -> None:
    kubeconfig = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "kubeconfig.yaml"
    assert kubeconfig.stat().st_mode & 0o777 == 0o600
    text = kubeconfig.read_text()
    assert "server: https://k3s-server-01:6443" in text and "127.0.0.1" not in text
    assert "client-key-data:" in text
