"""apt repositories as data: what is refused and the deb822 stanza each becomes, mirror or not."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.filter.apt import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._apt import apt_source, repository_errors

CUDA = {
    "name": "nvidia-cuda",
    "uris": "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/sbsa/",
    "suites": ["/"],
    "architectures": ["arm64"],
    "key_url": "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/sbsa/3bf863cc.pub",
    "key_sha256": "a" * 64,
    "mirror_path": "nvidia/cuda/ubuntu2404/sbsa",
}


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"apt_repository_errors", "apt_source", "mirrored_uri"}


def test_a_flat_vendor_repository_is_valid() -> None:
    assert repository_errors(CUDA) == []


def test_stanza_upstream_and_mirrored() -> None:
    assert apt_source(CUDA) == {
        "Types": "deb",
        "URIs": CUDA["uris"],
        "Suites": "/",
        "Architectures": "arm64",
        "Signed-By": "/etc/apt/keyrings/nova-nvidia-cuda.asc",
    }
    mirrored = apt_source(CUDA, "https://mirror.internal/apt/")
    assert mirrored["URIs"] == "https://mirror.internal/apt/nvidia/cuda/ubuntu2404/sbsa"
    docker = {"name": "docker", "uris": "https://download.docker.com/linux/ubuntu", "suites": ["noble"], "components": ["stable"], "key": "x"}
    assert apt_source(docker, "file:/srv/mirror")["URIs"] == "file:/srv/mirror/docker"
    assert apt_source(docker)["Components"] == "stable"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "NVIDIA"}, "field 'name' must match"),
        ({"uris": "developer.download.nvidia.com"}, "(nvidia-cuda): field 'uris' must be one URL"),
        ({"suites": []}, "field 'suites' must be a non-empty list"),
        ({"components": ["main"]}, "a flat repository (suite ending in '/') takes no components"),
        ({"suites": ["noble"]}, "field 'components' is needed"),
        ({"architectures": ["aarch64"]}, "field 'architectures' must list Debian architecture names"),
        ({"key_sha256": "abc"}, "field 'key_sha256' must be the key file's SHA-256"),
        ({"key": "-----BEGIN PGP PUBLIC KEY BLOCK-----"}, "give exactly one of key"),
        ({"mirror_path": "/"}, "field 'mirror_path' must be a path"),
        ({"colour": 1}, "unknown field 'colour'"),
    ],
)
def test_bad_repositories_are_named(change: dict, message: str) -> None:
    errors = repository_errors({**CUDA, **change}, "base_repository")
    assert any(message in e for e in errors), errors


def test_an_armored_key_is_required_inline() -> None:
    repo = {k: v for k, v in CUDA.items() if k not in ("key_url", "key_sha256")}
    assert any("ASCII-armored" in e for e in repository_errors({**repo, "key": "not a key"}))


def test_absent_needs_only_a_name() -> None:
    assert repository_errors({"name": "old", "state": "absent"}) == []


def test_a_key_file_must_exist_on_the_controller(tmp_path) -> None:
    key = tmp_path / "key.asc"
    key.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    local = {k: v for k, v in CUDA.items() if k not in ("key_url", "key_sha256")}
    assert repository_errors(dict(local, key_file=str(key))) == []
    assert repository_errors(dict(local, key_file=str(tmp_path / "missing.asc"))) == [
        f"base_repository (nvidia-cuda): field 'key_file' {tmp_path / 'missing.asc'} does not exist on the controller; "
        "put the signing key there or correct the path"]
    assert "must be the absolute path of the key on the controller" in repository_errors(dict(local, key_file="files/key.asc"))[0]


@pytest.mark.parametrize("digest", ["abc", "A" * 64, "sha1:" + "a" * 40])
def test_a_key_sha256_must_be_64_hex_digits(digest: str) -> None:
    errors = repository_errors(dict(CUDA, key_sha256=digest))
    assert len(errors) == 1 and "field 'key_sha256' must be the key file's SHA-256 (64 hex digits)" in errors[0]


def test_a_list_checks_each_repository_and_refuses_a_repeated_name() -> None:
    errors = repository_errors([CUDA, dict(CUDA, uris="https://mirror.example/cuda/")], "base_apt_repositories")
    assert errors == ["base_apt_repositories[1] (nvidia-cuda): field 'name' repeats base_apt_repositories[0]; "
                      "the second would overwrite the first's .sources and keyring files, so give each its own name"]


def test_a_string_where_the_list_belongs_is_one_error() -> None:
    from ansible_collections.nova.dgx.plugins.plugin_utils._apt import repositories_errors

    assert len(repositories_errors("nvidia-cuda")) == 1
