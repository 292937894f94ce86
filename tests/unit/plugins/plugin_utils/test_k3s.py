"""The k3s role's logic: input checks, config.yaml per node, the upgrade rules, nodes as rows."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._k3s import (
    config, errors, node_rows, registries, server_plan, time_slicing, upgrade_errors)

GOOD = {"k3s_version": "v1.36.2+k3s1", "k3s_servers": ["s1"], "k3s_node_name": "dgx-spark-01", "k3s_time_slicing_replicas": 1,
        "k3s_registry_mirrors": {}, "k3s_device_plugin_image": "nvcr.io/nvidia/k8s-device-plugin:v0.20.0",
        "k3s_device_plugin_digest": "sha256:" + "a" * 64, "k3s_extra_config": {}, "device_plugin": True}
ADDRESSES = {"s1": "10.99.0.11", "s2": "10.99.0.12", "s3": "10.99.0.13"}


def _settings(host: str, role: str, servers: list[str], **more: object) -> dict[str, object]:
    return {"host": host, "role": role, "servers": servers, "addresses": ADDRESSES, "port": 6443, "url": "",
            "token_file": "/etc/rancher/k3s/token", "node_name": host, "node_ip": ADDRESSES.get(host, "10.99.0.50"),
            "flannel_iface": "wg0", "disable": ["traefik"], "default_runtime": "", "labels": {}, "extra": {}, **more}


def test_good_input_has_no_errors() -> None:
    assert errors(GOOD) == []
    assert errors({**GOOD, "k3s_servers": ["s1", "s2", "s3"], "k3s_time_slicing_replicas": 4,
                   "k3s_registry_mirrors": {"docker.io": ["https://mirror:5000"], "*": ["http://10.0.0.1:5000/v2"]}}) == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"k3s_version": "v1.36+k3s1"}, "k3s_version must be"),
    ({"k3s_servers": []}, "k3s_servers must list at least one host"),
    ({"k3s_servers": ["a", "b"]}, "2 servers survive no failure"),
    ({"k3s_node_name": "-bad"}, "is not a name Kubernetes accepts"),
    ({"k3s_node_name": "a" * 254}, "is not a name Kubernetes accepts"),
    ({"k3s_time_slicing_replicas": True}, "k3s_time_slicing_replicas must be a whole number"),
    ({"k3s_time_slicing_replicas": 65}, "k3s_time_slicing_replicas must be a whole number"),
    ({"k3s_registry_mirrors": {"docker.io": []}}, "must be a non-empty list of mirror URLs"),
    ({"k3s_registry_mirrors": {"Bad Registry": ["https://x"]}}, "is not a registry name"),
    ({"k3s_registry_mirrors": ["https://x"]}, "k3s_registry_mirrors must map a registry"),
    ({"k3s_device_plugin_image": "k8s-device-plugin"}, "must be a repository with a release tag"),
    ({"k3s_device_plugin_image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.3"}, "before v0.17.4"),
    ({"k3s_device_plugin_digest": "sha256:abc"}, "k3s_device_plugin_digest must be"),
    ({"k3s_extra_config": {"server": "https://x:6443"}}, "k3s_extra_config sets server"),
])
def test_bad_input_names_the_variable(change: dict[str, object], expected: str) -> None:
    assert any(expected in problem for problem in errors({**GOOD, **change})), errors({**GOOD, **change})


def test_a_digest_is_only_needed_with_the_device_plugin() -> None:
    assert errors({**GOOD, "device_plugin": False, "k3s_device_plugin_digest": ""}) == []


def test_one_server_runs_alone_and_agents_join_it() -> None:
    alone = config(_settings("s1", "server", ["s1"]))
    assert "server" not in alone and "cluster-init" not in alone
    assert alone["token-file"] == "/etc/rancher/k3s/token" and "token" not in alone
    assert alone["node-ip"] == alone["advertise-address"] == "10.99.0.11" and alone["flannel-iface"] == "wg0"
    assert alone["write-kubeconfig-mode"] == "0600" and alone["tls-san"] == ["10.99.0.11"]
    agent = config(_settings("a1", "agent", ["s1"], labels={"nvidia.com/gpu.present": "true"}, default_runtime="nvidia"))
    assert agent["server"] == "https://10.99.0.11:6443" and "https-listen-port" not in agent
    assert agent["node-label"] == ["nvidia.com/gpu.present=true"] and agent["default-runtime"] == "nvidia"


def test_three_servers_form_etcd_started_by_the_first() -> None:
    servers = ["s1", "s2", "s3"]
    assert config(_settings("s1", "server", servers))["cluster-init"] is True
    assert config(_settings("s2", "server", servers))["server"] == "https://10.99.0.11:6443"
    assert config(_settings("a1", "agent", servers, url="https://lb:6443"))["server"] == "https://lb:6443"
    # A load balancer in front of the servers is a name in every server's certificate, with k3s_tls_san's.
    assert config(_settings("s2", "server", servers, url="https://lb.example:6443", tls_san=["k3s.example"]))["tls-san"] == [
        "10.99.0.12", "k3s.example", "lb.example"]
    assert server_plan(["s1"], {"s1": "fd00::1"}, 6443)["url"] == "https://[fd00::1]:6443"


def test_without_an_overlay_address_flannel_keeps_its_default() -> None:
    settings = _settings("s1", "server", ["s1"], node_ip="")
    assert "node-ip" not in config(settings) and "flannel-iface" not in config(settings)


@pytest.mark.parametrize(("installed", "wanted", "expected"), [
    ("", "v1.36.2+k3s1", None),
    ("v1.36.2+k3s1", "v1.36.2+k3s1", None),
    ("v1.35.8+k3s1", "v1.36.2+k3s1", None),
    ("v1.36.2+k3s1", "v1.36.2+k3s2", None),
    ("v1.36.2+k3s1", "v1.35.8+k3s1", "cannot be downgraded"),
    ("v1.36.2+k3s2", "v1.36.2+k3s1", "cannot be downgraded"),
    ("v1.34.1+k3s1", "v1.36.2+k3s1", "one minor release at a time; upgrade to the newest v1.35.x+k3sN first"),
])
def test_upgrades_go_forward_one_minor_at_a_time(installed: str, wanted: str, expected: str | None) -> None:
    problems = upgrade_errors(installed, wanted, "h")
    assert (problems == []) if expected is None else (expected in problems[0])


def test_time_slicing_only_when_sharing() -> None:
    assert "sharing" not in time_slicing(1)
    assert time_slicing(4)["sharing"]["timeSlicing"]["resources"] == [{"name": "nvidia.com/gpu", "replicas": 4}]


def test_registries_keep_the_mirrors_in_order() -> None:
    assert registries({"nvcr.io": ["https://b", "https://a"]}) == {"mirrors": {"nvcr.io": {"endpoint": ["https://b", "https://a"]}}}


def test_node_rows_read_readiness_roles_and_gpus() -> None:
    listing = {"items": [
        {"metadata": {"name": "b", "labels": {}}, "status": {"conditions": [{"type": "Ready", "status": "False", "message": "kubelet stopped"}],
                                                             "allocatable": {}}},
        {"metadata": {"name": "a", "labels": {"node-role.kubernetes.io/control-plane": "true"}},
         "status": {"conditions": [{"type": "Ready", "status": "True"}], "allocatable": {"nvidia.com/gpu": "2"},
                    "nodeInfo": {"kubeletVersion": "v1.36.2+k3s1", "containerRuntimeVersion": "containerd://2.2.5-k3s2"}}},
    ]}
    rows = node_rows(listing)
    assert [row["name"] for row in rows] == ["a", "b"]
    assert rows[0]["ready"] and rows[0]["gpus"] == 2 and rows[0]["roles"] == ["control-plane"]
    assert not rows[1]["ready"] and rows[1]["reason"] == "kubelet stopped" and rows[1]["roles"] == ["agent"]
    assert node_rows("not json") == []
