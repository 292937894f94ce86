"""Every manifest nova.dgx.k3s applies (and the GPU check pod it runs) is valid against the Kubernetes schemas of the
release the pinned k3s ships, offline, with kubernetes-validate. The templates are rendered as the role renders them
(Jinja with Ansible's filters and the collection's), for the role's defaults and for time-slicing."""

from __future__ import annotations

import pathlib

import jinja2
import kubernetes_validate
import pytest
import yaml
from ansible.plugins.filter.core import to_nice_yaml

from ansible_collections.nova.dgx.plugins.plugin_utils._k3s import VERSION, time_slicing

ROOT = pathlib.Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "k3s"
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
PRIVATE = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
TEMPLATES = ["manifests/nvidia-device-plugin.yaml.j2", "gpu-check-pod.yaml.j2"]


def _kubernetes_version() -> str:
    """The Kubernetes release of the pinned k3s (v1.36.2+k3s1 ships Kubernetes 1.36.2): its minor's schemas."""
    match = VERSION.fullmatch(DEFAULTS["k3s_version"])
    assert match, DEFAULTS["k3s_version"]
    return f"{match.group(1)}.{match.group(2)}.0"


def _render(template: str, replicas: int) -> list[dict]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLE / "templates")), undefined=jinja2.StrictUndefined,
                             trim_blocks=True)
    env.filters.update({"to_nice_yaml": to_nice_yaml, "nova.dgx.k3s_time_slicing": time_slicing})
    values = {**{key: value for key, value in DEFAULTS.items() if "{{" not in str(value)},
              **{key: value for key, value in PRIVATE.items() if "{{" not in str(value)},
              "ansible_managed": "Ansible managed", "k3s_time_slicing_replicas": replicas, "k3s_node_name": "dgx-spark-01",
              "k3s_gpu_check_image": f"{DEFAULTS['k3s_device_plugin_image']}@{DEFAULTS['k3s_device_plugin_digest']}"}
    text = env.get_template(template).render(**values)
    return [document for document in yaml.safe_load_all(text) if document]


@pytest.mark.parametrize("replicas", [1, 4])
@pytest.mark.parametrize("template", TEMPLATES)
def test_manifest_is_valid_for_the_pinned_kubernetes(template: str, replicas: int) -> None:
    documents = _render(template, replicas)
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, _kubernetes_version(), strict=True)


def test_the_validator_catches_a_broken_manifest() -> None:
    daemonset = next(doc for doc in _render("manifests/nvidia-device-plugin.yaml.j2", 1) if doc["kind"] == "DaemonSet")
    daemonset["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(daemonset, _kubernetes_version(), strict=True)


def test_time_slicing_reaches_the_device_plugin_config() -> None:
    config_map = next(doc for doc in _render("manifests/nvidia-device-plugin.yaml.j2", 4) if doc["kind"] == "ConfigMap")
    plugin = yaml.safe_load(config_map["data"]["config.yaml"])
    assert plugin["sharing"]["timeSlicing"]["resources"] == [{"name": "nvidia.com/gpu", "replicas": 4}]
    assert "sharing" not in yaml.safe_load(_render("manifests/nvidia-device-plugin.yaml.j2", 1)[0]["data"]["config.yaml"])


def test_the_device_plugin_is_pinned_by_digest_and_recent_enough() -> None:
    daemonset = next(doc for doc in _render("manifests/nvidia-device-plugin.yaml.j2", 1) if doc["kind"] == "DaemonSet")
    image = daemonset["spec"]["template"]["spec"]["containers"][0]["image"]
    name, digest = image.split("@")
    assert digest.startswith("sha256:") and len(digest) == 71
    assert tuple(int(part) for part in name.rsplit(":v", 1)[1].split(".")) >= (0, 17, 4)
    assert daemonset["spec"]["template"]["spec"]["runtimeClassName"] == "nvidia"


def test_the_gpu_pod_asks_for_the_runtime_and_one_gpu() -> None:
    (pod,) = _render("gpu-check-pod.yaml.j2", 1)
    assert pod["spec"]["runtimeClassName"] == "nvidia" and pod["spec"]["nodeName"] == "dgx-spark-01"
    assert pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
