"""The artifact entry point's request checks and its one air-gap override."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._artifact import artifact_cache_name, artifact_errors, artifact_source

SHA = "959bf4adf6fe1308e4bd739e722236b0d1ec8392e2cefad33ff70c311380b9b6"
WHEEL = {
    "name": "nvidia-ml-py",
    "url": "https://files.pythonhosted.org/packages/53/a1/x/nvidia_ml_py-13.615.71-py3-none-any.whl",
    "sha256": SHA,
    "dest": "/usr/local/lib/nova-dgx/python/nvidia_ml_py.whl",
}


def test_a_pinned_request_is_accepted() -> None:
    assert artifact_errors(WHEEL) == []
    assert artifact_errors({**WHEEL, "sha256": "sha256:" + SHA.upper(), "mode": "0755", "owner": "k3s"}) == []


def test_without_a_pinned_checksum_the_message_says_how_to_pin_it() -> None:
    (error,) = artifact_errors({**WHEEL, "sha256": "", "sha256_var": "nvidia_driver_nvml_wheel_sha256"})
    assert "nvidia-ml-py: no pinned SHA-256 (nvidia_driver_nvml_wheel_sha256 is '')" in error
    assert "set nvidia_driver_nvml_wheel_sha256 to the 64 hex digits `sha256sum` prints" in error
    assert WHEEL["url"] in error


@pytest.mark.parametrize(("change", "message"), [
    ({"sha256": "abc"}, "no pinned SHA-256"),
    ({"sha256": SHA[:-1] + "g"}, "no pinned SHA-256"),
    ({"url": "ftp://example.org/x.tar.gz"}, "url must be an https://"),
    ({"url": "https://example.org/dir/"}, "url must be an https://"),
    ({"dest": "relative/path"}, "dest must be an absolute file path"),
    ({"dest": "/opt/../etc/passwd"}, "dest must be an absolute file path"),
    ({"mode": 644}, "mode must be an octal string"),
    ({"name": "has space"}, "name must be a short name"),
    ({"mirror_path": "../escape"}, "mirror_path must be a relative path"),
    ({"checksum": SHA}, "base_artifact.checksum: unknown field"),
    ({"extract": "../bin/bao"}, "extract must be the relative path of one file"),
    ({"extract": "/bin/bao"}, "extract must be the relative path of one file"),
    ({"url": "https://example.org/bao", "extract": "bin/bao"}, "extract takes a file out of an archive"),
])
def test_bad_requests_name_the_field(change: dict, message: str) -> None:
    errors = artifact_errors({**WHEEL, **change})
    assert any(message in e for e in errors), errors


def test_not_a_mapping() -> None:
    assert artifact_errors(["x"], "k3s_artifact") == ["k3s_artifact must be a mapping with name, url, sha256 and dest, got list"]


def test_upstream_without_a_mirror_and_host_path_layout_with_one() -> None:
    assert artifact_source(WHEEL) == WHEEL["url"]
    assert artifact_source(WHEEL, "https://mirror.internal/nova/") == (
        "https://mirror.internal/nova/files.pythonhosted.org/packages/53/a1/x/nvidia_ml_py-13.615.71-py3-none-any.whl")
    assert artifact_source(WHEEL, "/srv/artifacts") == (
        "file:///srv/artifacts/files.pythonhosted.org/packages/53/a1/x/nvidia_ml_py-13.615.71-py3-none-any.whl")
    assert artifact_source({**WHEEL, "mirror_path": "wheels/nvml.whl"}, "file:///m") == "file:///m/wheels/nvml.whl"
    k3s = {**WHEEL, "url": "https://github.com/k3s-io/k3s/releases/download/v1.33.5%2Bk3s1/k3s-arm64"}
    assert artifact_source(k3s, "/m") == "file:///m/github.com/k3s-io/k3s/releases/download/v1.33.5%2Bk3s1/k3s-arm64"


def test_cache_names_start_with_the_checksum() -> None:
    assert artifact_cache_name({**WHEEL, "sha256": "SHA256:" + SHA.upper()}) == f"{SHA}-nvidia_ml_py-13.615.71-py3-none-any.whl"
