# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""k3s for nova.dgx.k3s: the checks of its input, the node's config.yaml and registries.yaml, and what
`k3s kubectl get nodes -o json` says about the nodes (private)."""

from __future__ import annotations

import re
import typing as t
import urllib.parse

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["config", "errors", "node_rows", "registries", "server_plan", "time_slicing", "upgrade_errors"]

VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)\+k3s(\d+)")
# A node's name is a DNS subdomain (RFC 1123): what the API server accepts in metadata.name.
_NODE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_REGISTRY = re.compile(r"(\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?)")
_ENDPOINT = re.compile(r"https?://[^\s/]+(/\S*)?")
_IMAGE = re.compile(r"[a-z0-9]+([._/-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*:[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# config.yaml keys the role writes itself: k3s_extra_config may not set them.
MANAGED = ("token-file", "server", "cluster-init", "node-name", "node-ip", "advertise-address", "bind-address", "flannel-iface",
           "https-listen-port", "write-kubeconfig-mode", "default-runtime", "disable", "tls-san", "node-label", "data-dir")


def version_key(version: str) -> tuple[int, ...]:
    """v1.36.2+k3s1 -> (1, 36, 2, 1), for ordering releases."""
    match = VERSION.fullmatch(version)
    return tuple(int(part) for part in match.groups()) if match else ()


def upgrade_errors(installed: str, wanted: str, host: str) -> list[str]:
    """An upgrade k3s supports: forward only, one minor release at a time (Kubernetes' version skew policy)."""
    have, want = version_key(installed), version_key(wanted)
    if not have or not want or have == want:
        return []
    if want < have:
        return [f"{host}: k3s {installed} is installed and k3s_version asks for {wanted}: k3s cannot be downgraded;"
                " restore the server from an etcd snapshot taken before the upgrade, or pin the installed release"]
    if want[:2] > (have[0], have[1] + 1):
        return [f"{host}: k3s {installed} is installed and k3s_version asks for {wanted}: Kubernetes upgrades one minor release"
                f" at a time; upgrade to the newest v{have[0]}.{have[1] + 1}.x+k3sN first"]
    return []


def _server_errors(servers: object) -> list[str]:
    if not isinstance(servers, list) or not servers:
        return [f"k3s_servers must list at least one host of group k3s_server, got {shown(servers)}"]
    if len(servers) == 2:
        return ["k3s_servers has 2 servers: embedded etcd needs a majority, so 2 servers survive no failure and stop the cluster when"
                " either is down; use 1 server (SQLite) or 3 or more (an odd number, embedded-etcd HA)"]
    return []


def _mirror_errors(mirrors: object) -> list[str]:
    if not isinstance(mirrors, dict):
        return [f"k3s_registry_mirrors must map a registry (docker.io, nvcr.io, *) to a list of mirror URLs, got {shown(mirrors)}"]
    problems = []
    for registry, endpoints in mirrors.items():
        if not isinstance(registry, str) or not _REGISTRY.fullmatch(registry):
            problems.append(f"k3s_registry_mirrors: {shown(registry)} is not a registry name such as docker.io, nvcr.io or *")
            continue
        if not isinstance(endpoints, list) or not endpoints:
            problems.append(f"k3s_registry_mirrors[{registry}] must be a non-empty list of mirror URLs, got {shown(endpoints)}")
            continue
        for endpoint in endpoints:
            if not isinstance(endpoint, str) or not _ENDPOINT.fullmatch(endpoint):
                problems.append(f"k3s_registry_mirrors[{registry}]: {shown(endpoint)} is not a URL with a scheme;"
                                f" write it as https://{endpoint if isinstance(endpoint, str) else 'registry.example:5000'}")
    return problems


def _image_errors(settings: dict[str, t.Any]) -> list[str]:
    problems = []
    image, digest = settings.get("k3s_device_plugin_image"), settings.get("k3s_device_plugin_digest")
    if not isinstance(image, str) or not _IMAGE.fullmatch(image) or image.endswith(":latest"):
        problems.append(f"k3s_device_plugin_image must be a repository with a release tag (not latest), such as"
                        f" nvcr.io/nvidia/k8s-device-plugin:v0.20.0, got {shown(image)}")
    elif settings.get("device_plugin") and not version_at_least(image.rsplit(":", 1)[1], (0, 17, 4)):
        problems.append(f"k3s_device_plugin_image {image}: the NVIDIA device plugin before v0.17.4 fails on the GB10's memory query;"
                        " use v0.17.4 or later")
    if settings.get("device_plugin") and (not isinstance(digest, str) or not _DIGEST.fullmatch(digest)):
        problems.append(f"k3s_device_plugin_digest must be the image's sha256:<64 hex> digest (skopeo inspect --format '{{{{.Digest}}}}'"
                        f" docker://{image}), got {shown(digest)}")
    return problems


def version_at_least(tag: str, floor: tuple[int, ...]) -> bool:
    """v0.20.0 >= (0, 17, 4); a tag that is not vX.Y.Z is not."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(-.*)?", tag)
    return match is not None and tuple(int(part) for part in match.groups()[:3]) >= floor


def errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with the k3s role's input, each naming the variable and the fix."""
    problems = []
    version = settings.get("k3s_version")
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        problems.append(f"k3s_version must be a k3s release vX.Y.Z+k3sN such as v1.36.2+k3s1, got {shown(version)}")
    problems += _server_errors(settings.get("k3s_servers"))
    name = settings.get("k3s_node_name")
    if not isinstance(name, str) or len(name) > 253 or not _NODE_NAME.fullmatch(name):
        problems.append(f"k3s_node_name {shown(name)} is not a name Kubernetes accepts: lower-case letters, digits, '-' and '.',"
                        " starting and ending with a letter or digit (set k3s_node_name, e.g. dgx-spark-01 for dgx_spark_01)")
    replicas = settings.get("k3s_time_slicing_replicas")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or not 1 <= replicas <= 64:
        problems.append(f"k3s_time_slicing_replicas must be a whole number from 1 (no sharing) to 64 (pods per GPU), got {shown(replicas)}")
    problems += _mirror_errors(settings.get("k3s_registry_mirrors"))
    problems += _image_errors(settings)
    extra = settings.get("k3s_extra_config")
    if not isinstance(extra, dict):
        problems.append(f"k3s_extra_config must be a mapping of k3s flags (without --) to values, got {shown(extra)}")
    else:
        taken = sorted(set(extra) & set(MANAGED))
        if taken:
            problems.append(f"k3s_extra_config sets {', '.join(taken)}, which the role writes from its own variables;"
                            " use those variables (see the role's README) instead")
    return problems


def server_plan(servers: list[str], addresses: dict[str, str], port: int, url: str = "") -> dict[str, t.Any]:
    """Who initialises the cluster and where joining nodes go: one server runs alone (SQLite), three or more use
    embedded etcd started by the first; every other node joins `url` or the first server's address."""
    first = servers[0]
    return {"first": first, "ha": len(servers) >= 3,
            "url": url or f"https://{_bracket(addresses[first])}:{port}"}


def _bracket(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def config(settings: dict[str, t.Any]) -> dict[str, t.Any]:
    """The node's /etc/rancher/k3s/config.yaml: the role's settings, then k3s_extra_config."""
    host, server = settings["host"], settings["role"] == "server"
    plan = server_plan(settings["servers"], settings["addresses"], settings["port"], settings.get("url", ""))
    result: dict[str, t.Any] = {"token-file": settings["token_file"], "node-name": settings["node_name"]}
    if settings.get("node_ip"):
        result["node-ip"] = settings["node_ip"]
        result["flannel-iface"] = settings["flannel_iface"]
    if server:
        if plan["ha"] and host == plan["first"]:
            result["cluster-init"] = True
        elif host != plan["first"]:
            result["server"] = plan["url"]
        result["https-listen-port"] = settings["port"]
        result["write-kubeconfig-mode"] = "0600"
        if settings.get("node_ip"):
            result["advertise-address"] = settings["node_ip"]
        # The names clients reach the API server by: its overlay address, the registration address (a load balancer)
        # and k3s_tls_san. k3s adds no name on its own when asked by another (tls-san-security).
        sans = ([settings["node_ip"]] if settings.get("node_ip") else []) + list(settings.get("tls_san", []))
        if settings.get("url"):
            sans.append(str(urllib.parse.urlsplit(settings["url"]).hostname))
        if sans:
            result["tls-san"] = list(dict.fromkeys(sans))
        if settings.get("disable"):
            result["disable"] = list(settings["disable"])
        result["secrets-encryption"] = True
    else:
        result["server"] = plan["url"]
    if settings.get("default_runtime"):
        result["default-runtime"] = settings["default_runtime"]
    if settings.get("labels"):
        result["node-label"] = [f"{key}={value}" for key, value in sorted(settings["labels"].items())]
    result.update(settings.get("extra", {}))
    return result


def registries(mirrors: dict[str, list[str]]) -> dict[str, t.Any]:
    """registries.yaml: each registry's mirrors, tried in order (k3s falls back to the registry itself)."""
    return {"mirrors": {registry: {"endpoint": list(endpoints)} for registry, endpoints in sorted(mirrors.items())}}


def time_slicing(replicas: int) -> dict[str, t.Any]:
    """The NVIDIA device plugin's config: each GPU advertised as `replicas` nvidia.com/gpu (1: no sharing)."""
    plugin: dict[str, t.Any] = {"version": "v1", "flags": {"migStrategy": "none", "failOnInitError": True}}
    if replicas > 1:
        plugin["sharing"] = {"timeSlicing": {"renameByDefault": False, "failRequestsGreaterThanOne": True,
                                             "resources": [{"name": "nvidia.com/gpu", "replicas": replicas}]}}
    return plugin


def node_rows(listing: object) -> list[dict[str, t.Any]]:
    """`kubectl get nodes -o json` as one row per node: name, Ready, roles, kubelet version, runtime, GPUs allocatable."""
    items = listing.get("items", []) if isinstance(listing, dict) else []
    rows = []
    for item in items:
        meta, status = item.get("metadata", {}), item.get("status", {})
        ready = [cond for cond in status.get("conditions", []) if cond.get("type") == "Ready"]
        labels = meta.get("labels", {})
        rows.append({
            "name": meta.get("name", "?"),
            "ready": bool(ready) and ready[0].get("status") == "True",
            "reason": (ready[0].get("message") or ready[0].get("reason", "")) if ready else "no Ready condition",
            "roles": sorted(key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/")) or ["agent"],
            "version": status.get("nodeInfo", {}).get("kubeletVersion", "?"),
            "runtime": status.get("nodeInfo", {}).get("containerRuntimeVersion", "?"),
            "gpus": int(status.get("allocatable", {}).get("nvidia.com/gpu", 0) or 0),
        })
    return sorted(rows, key=lambda row: row["name"])
