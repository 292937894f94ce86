"""Bad input to nova.dgx.k3s fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

# The target alone is the cluster: a server reachable at a given URL.
BASE = {"k3s_servers": ["target"], "k3s_server_url": "https://10.99.0.1:6443", "k3s_expected_nodes": 1}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"k3s_version": "1.36.2"}, "k3s_version must be a k3s release vX.Y.Z+k3sN such as v1.36.2+k3s1, got str '1.36.2'"),
        ({"k3s_version": "v1.36.2-k3s1"}, "k3s_version must be a k3s release vX.Y.Z+k3sN"),
        ({"k3s_servers": ["target", "other"]}, "k3s_servers has 2 servers: embedded etcd needs a majority"),
        ({"k3s_time_slicing_replicas": 0}, "k3s_time_slicing_replicas must be a whole number from 1 (no sharing) to 64"),
        ({"k3s_node_name": "DGX_Spark_01"}, "k3s_node_name str 'DGX_Spark_01' is not a name Kubernetes accepts"),
        ({"k3s_registry_mirrors": {"docker.io": ["registry.internal:5000"]}},
         "k3s_registry_mirrors[docker.io]: str 'registry.internal:5000' is not a URL with a scheme; write it as https://registry.internal:5000"),
        ({"k3s_device_plugin": True, "k3s_device_plugin_image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.1"},
         "the NVIDIA device plugin before v0.17.4 fails on the GB10's memory query"),
        ({"k3s_device_plugin": True, "k3s_device_plugin_image": "nvcr.io/nvidia/k8s-device-plugin:latest"},
         "k3s_device_plugin_image must be a repository with a release tag (not latest)"),
        ({"k3s_device_plugin": True, "k3s_device_plugin_digest": "v0.18.2"}, "k3s_device_plugin_digest must be the image's sha256:<64 hex> digest"),
        ({"k3s_extra_config": {"token": "x", "node-name": "n"}}, "k3s_extra_config sets node-name"),
        ({"k3s_server_url": "10.99.0.1:6443"}, "k3s_server_url must be https://<address>:<port>"),
        ({"k3s_expected_nodes": 3, "k3s_sources": []}, "k3s_sources is empty but the cluster has 3 nodes"),
        ({"k3s_servers": ["nohost"]}, "k3s_servers names nohost, which is not in the inventory"),
    ],
)
def test_bad_input_fails_before_the_host(run_role, variables: dict[str, object], expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.k3s", {**BASE, **variables}), expected)


def test_valid_input_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.k3s", BASE), "Gather the facts this role needs")
