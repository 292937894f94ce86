"""The stand-in NGC registry (scripts/standin/registry) and the stand-in NGC images scripts/build-standin-repo builds for it:
the layout is built into a temporary directory as the builder builds build/standin/ngc/, the registry runs on loopback as
build/standin/ngc-registry, and urllib does what dockerd does for `docker login` and a pull by tag and digest."""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tarfile
import time
import types
import typing as t
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
USER = "$oauthtoken"
PASSWORD = "nvapi-Zq7-planted-NGC-key-4f1e9b"  # distinctive: the log must never hold it
IMAGES = [("nvidia/nemo", "25.11"), ("nvidia/nemo-automodel", "26.02")]
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
VALIDATE_JSON = {"ok": False, "standin": True, "error": "nova.dgx stand-in image: no NeMo, no PyTorch, no GPU"}


def _load() -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("build_standin_repo_ngc", str(ROOT / "scripts" / "build-standin-repo"))
    spec = importlib.util.spec_from_loader("build_standin_repo_ngc", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


build = _load()


def busybox() -> bytes:
    """This machine's busybox where it is static (busybox-static), else a placeholder: the registry serves bytes either way."""
    if build.BUSYBOX.is_file() and build.static_elf(build.BUSYBOX.read_bytes()):
        return bytes(build.BUSYBOX.read_bytes())
    return b"\x7fELF placeholder busybox for tests\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Registry:
    """build/standin/ngc-registry running on a free loopback port against a built layout."""

    def __init__(self, out: pathlib.Path, work: pathlib.Path) -> None:
        self.out, self.work = out, work
        self.password_file, self.log_file = work / "ngc-api-key", work / "registry.log"
        self.password_file.write_text(PASSWORD + "\n")
        self.password_file.chmod(0o600)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with (work / "registry.out").open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(out / "ngc-registry"), "--listen", f"127.0.0.1:{self.port}", "--store", str(out / "ngc"),
                 "--user", USER, "--password-file", str(self.password_file), "--log", str(self.log_file)],
                stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the registry exited {self.process.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the registry never listened:\n{self.output()}")
                time.sleep(0.05)

    def output(self) -> str:
        return (self.work / "registry.out").read_text()

    def request(self, path: str, method: str = "GET", auth: tuple[str, str] | None = (USER, PASSWORD),
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, method=method, headers=headers or {})
        if auth is not None:
            request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[tuple[pathlib.Path, dict[str, str]]]:
    """build_ngc() as main() calls it, into a temporary build/standin/ (the two default images, this machine's busybox)."""
    out = tmp_path_factory.mktemp("standin")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "OUT", out)
        patch.setattr(build, "ngc_images", lambda: list(IMAGES))
        patch.setattr(build, "busybox_binary", busybox)
        pins = build.build_ngc()
    yield out, pins


@pytest.fixture(scope="module")
def registry(built: tuple[pathlib.Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[Registry]:
    started = Registry(built[0], tmp_path_factory.mktemp("registry"))
    yield started
    started.stop()


def errors(body: bytes) -> list[str]:
    return [error["code"] for error in json.loads(body)["errors"]]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- the build ----------------------------------------------------------------------------------------------------


def test_build_writes_an_oci_layout_the_registry_program_and_pins(built: tuple[pathlib.Path, dict[str, str]]) -> None:
    out, pins = built
    assert set(pins) == {"nvidia/nemo:25.11", "nvidia/nemo-automodel:26.02"}
    assert json.loads((out / "ngc" / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((out / "ngc" / "index.json").read_text())
    refs = {entry["annotations"]["org.opencontainers.image.ref.name"]: entry["digest"] for entry in index["manifests"]}
    assert refs == pins and all(entry["mediaType"] == INDEX for entry in index["manifests"])
    for blob in (out / "ngc" / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    program = out / "ngc-registry"
    assert program.read_text().startswith("#!/usr/bin/python3\n# nova.dgx STAND-IN for NVIDIA's NGC registry (nvcr.io), tests only")
    assert program.stat().st_mode & 0o777 == 0o755


def test_build_is_deterministic(tmp_path: pathlib.Path) -> None:
    data = busybox()
    first = build.build_ngc_image(tmp_path / "a", "nvidia/nemo-automodel", "26.02", data)
    time.sleep(1.1)  # a different wall-clock second must not change a byte
    second = build.build_ngc_image(tmp_path / "b", "nvidia/nemo-automodel", "26.02", data)
    assert first == second
    assert (tmp_path / "a" / "index.json").read_bytes() == (tmp_path / "b" / "index.json").read_bytes()
    assert sorted(path.name for path in (tmp_path / "a/blobs/sha256").iterdir()) == sorted(path.name for path in (tmp_path / "b/blobs/sha256").iterdir())
    assert build.build_ngc_image(tmp_path / "c", "nvidia/nemo", "25.11", data) != first  # the image's name is in its layer


def test_images_come_from_the_nemo_defaults_where_they_name_them(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setattr(build, "ROOT", tmp_path)
    assert build.ngc_images() == sorted(build.NGC_IMAGES.items())  # no roles/nemo yet
    defaults = tmp_path / "roles/nemo/defaults/main.yml"
    defaults.parent.mkdir(parents=True)
    defaults.write_text("nemo_images:\n"
                        "  automodel: {repository: nvcr.io/nvidia/nemo-automodel, tag: '26.04', note: x}\n"
                        "  framework: {repository: nvcr.io/nvidia/nemo, tag: '25.11'}\n"
                        "  templated: {repository: '{{ nemo_registry }}/nvidia/nemo', tag: '25.11'}\n"
                        "  elsewhere: {repository: docker.io/library/busybox, tag: '1.37'}\n")
    assert build.ngc_images() == [("nvidia/nemo", "25.11"), ("nvidia/nemo-automodel", "26.04")]
    defaults.write_text("nemo_images:\n  framework: {repository: nvcr.io/nvidia/nemo, tag: 25.10}\n")
    with pytest.raises(SystemExit, match="quote it"):
        build.ngc_images()


def test_busybox_must_be_a_static_binary(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setattr(build, "BUSYBOX", tmp_path / "busybox")
    with pytest.raises(SystemExit, match="apt-get install busybox-static"):
        build.busybox_binary()
    dynamic = pathlib.Path("/bin/ls").read_bytes()
    assert not build.static_elf(dynamic) and not build.static_elf(b"#!/bin/sh\n")
    (tmp_path / "busybox").write_bytes(dynamic)
    with pytest.raises(SystemExit, match="not statically linked.*busybox-static"):
        build.busybox_binary()


def test_layer_holds_busybox_sh_and_a_python3_that_fails_validation(tmp_path: pathlib.Path) -> None:
    data = busybox()
    layer = build.ngc_layer("nvcr.io/nvidia/nemo-automodel:26.02", "arm64", data)
    with tarfile.open(fileobj=io.BytesIO(layer)) as archive:
        members = archive.getmembers()
        assert [member.name for member in members] == sorted(member.name for member in members)
        assert {member.uid for member in members} == {0} and {member.mtime for member in members} == {build.NGC_MTIME}
        by_name = {member.name: member for member in members}
        assert by_name["bin/sh"].issym() and by_name["bin/sh"].linkname == "busybox"
        assert by_name["usr/local/bin/python3"].mode == 0o755 and by_name["tmp"].mode == 0o1777
        assert t.cast(t.IO[bytes], archive.extractfile("bin/busybox")).read() == data
        marker = t.cast(t.IO[bytes], archive.extractfile("etc/nova-standin")).read().decode()
        readme = t.cast(t.IO[bytes], archive.extractfile("README")).read().decode()
        archive.extractall(tmp_path, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))  # type: ignore[arg-type]
    assert "STAND-IN" in marker and "arm64" in marker and "not NVIDIA software" in readme and "same file" in readme
    python3 = str(tmp_path / "usr/local/bin/python3")
    shells = [["/bin/sh"]] + ([[str(tmp_path / "bin/busybox"), "sh"]] if data.startswith(b"\x7fELF\x02") and build.static_elf(data) else [])
    for shell in shells:
        done = subprocess.run([*shell, python3, "/opt/nova/nemo_validate.py", "--json"], capture_output=True, text=True, check=False)
        assert done.returncode == 1 and done.stdout.count("\n") == 1 and json.loads(done.stdout) == VALIDATE_JSON
        done = subprocess.run([*shell, python3, "--version"], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout) == (0, "Python 3.12.3\n")
        done = subprocess.run([*shell, python3, "-c", "import torch"], capture_output=True, text=True, check=False)
        assert done.returncode == 1 and "stand-in" in done.stderr


# --- the registry -------------------------------------------------------------------------------------------------


def test_v2_wants_basic_credentials(registry: Registry) -> None:
    status, headers, body = registry.request("/v2/", auth=None)
    assert status == 401 and errors(body) == ["UNAUTHORIZED"]
    assert headers["WWW-Authenticate"] == 'Basic realm="nvcr.io stand-in"'
    assert headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert registry.request("/v2/", auth=(USER, "nvapi-wrong"))[0] == 401
    assert registry.request("/v2/", auth=("admin", PASSWORD))[0] == 401
    status, headers, body = registry.request("/v2/")
    assert (status, body, headers["Content-Length"]) == (200, b"{}", "2")


def test_pull_by_tag_and_digest_reaches_every_platform_and_blob(registry: Registry, built: tuple[pathlib.Path, dict[str, str]]) -> None:
    for ref, pinned in built[1].items():
        repository, tag = ref.rsplit(":", 1)
        assert registry.request(f"/v2/{repository}/manifests/{tag}", auth=None)[0] == 401
        status, headers, by_tag = registry.request(f"/v2/{repository}/manifests/{tag}", headers={"Accept": INDEX})
        assert status == 200 and headers["Content-Type"] == INDEX and headers["Docker-Content-Digest"] == sha256(by_tag) == pinned
        status, headers, by_digest = registry.request(f"/v2/{repository}/manifests/{pinned}")
        assert status == 200 and by_digest == by_tag and headers["Docker-Content-Digest"] == pinned
        status, headers, empty = registry.request(f"/v2/{repository}/manifests/{pinned}", method="HEAD")
        assert (status, empty, headers["Content-Length"], headers["Docker-Content-Digest"]) == (200, b"", str(len(by_tag)), pinned)
        index = json.loads(by_tag)
        assert index["mediaType"] == INDEX
        platforms = {(entry["platform"]["os"], entry["platform"]["architecture"]): entry for entry in index["manifests"]}
        assert set(platforms) == {("linux", "amd64"), ("linux", "arm64")}
        for (_os, arch), entry in platforms.items():
            status, headers, body = registry.request(f"/v2/{repository}/manifests/{entry['digest']}")
            assert status == 200 and headers["Content-Type"] == MANIFEST == entry["mediaType"]
            assert headers["Docker-Content-Digest"] == sha256(body) == entry["digest"] and len(body) == entry["size"]
            manifest = json.loads(body)
            blobs = {}
            for descriptor in [manifest["config"], *manifest["layers"]]:
                status, headers, blob = registry.request(f"/v2/{repository}/blobs/{descriptor['digest']}")
                assert status == 200 and headers["Content-Type"] == "application/octet-stream"
                assert sha256(blob) == descriptor["digest"] == headers["Docker-Content-Digest"] and len(blob) == descriptor["size"]
                blobs[descriptor["mediaType"]] = blob
            config = json.loads(blobs["application/vnd.oci.image.config.v1+json"])
            layer = gzip.decompress(blobs["application/vnd.oci.image.layer.v1.tar+gzip"])
            assert (config["os"], config["architecture"]) == ("linux", arch)
            assert config["rootfs"]["diff_ids"] == [sha256(layer)]
            assert config["config"]["Env"] == ["PATH=/usr/local/bin:/usr/bin:/bin"] and config["config"]["Cmd"] == ["/bin/sh"]
            assert config["config"]["Labels"]["com.nvidia.nemo.version"] == "stand-in"
        status, _headers, body = registry.request(f"/v2/{repository}/tags/list")
        assert status == 200 and json.loads(body) == {"name": repository, "tags": [tag]}


def test_blob_ranges(registry: Registry, built: tuple[pathlib.Path, dict[str, str]]) -> None:
    index = json.loads(registry.request(f"/v2/nvidia/nemo/manifests/{built[1]['nvidia/nemo:25.11']}")[2])
    manifest = json.loads(registry.request(f"/v2/nvidia/nemo/manifests/{index['manifests'][0]['digest']}")[2])
    digest = manifest["layers"][0]["digest"]
    whole = registry.request(f"/v2/nvidia/nemo/blobs/{digest}")[2]
    status, headers, part = registry.request(f"/v2/nvidia/nemo/blobs/{digest}", headers={"Range": "bytes=10-"})
    assert status == 206 and part == whole[10:] and headers["Content-Range"] == f"bytes 10-{len(whole) - 1}/{len(whole)}"
    assert registry.request(f"/v2/nvidia/nemo/blobs/{digest}", headers={"Range": "bytes=0-9"})[2] == whole[:10]
    assert registry.request(f"/v2/nvidia/nemo/blobs/{digest}", headers={"Range": f"bytes={len(whole)}-"})[0] == 416


def test_unknown_names_tags_digests_and_blobs_are_404(registry: Registry, built: tuple[pathlib.Path, dict[str, str]]) -> None:
    missing = "sha256:" + "0" * 64
    status, headers, body = registry.request("/v2/nvidia/nemo-automodel/manifests/26.03")
    assert (status, errors(body), headers["Content-Type"]) == (404, ["MANIFEST_UNKNOWN"], "application/json; charset=utf-8")
    assert errors(registry.request(f"/v2/nvidia/nemo-automodel/manifests/{missing}")[2]) == ["MANIFEST_UNKNOWN"]
    # A repository serves only what its own tags reach, as a real registry does.
    other = built[1]["nvidia/nemo:25.11"]
    assert errors(registry.request(f"/v2/nvidia/nemo-automodel/manifests/{other}")[2]) == ["MANIFEST_UNKNOWN"]
    assert errors(registry.request(f"/v2/nvidia/nemo-automodel/blobs/{missing}")[2]) == ["BLOB_UNKNOWN"]
    assert errors(registry.request(f"/v2/nvidia/nemo-automodel/blobs/{other}")[2]) == ["BLOB_UNKNOWN"]
    assert registry.request(f"/v2/nvidia/nemo-automodel/blobs/{missing}", method="HEAD")[0] == 404
    status, _headers, body = registry.request("/v2/nvidia/pytorch/manifests/25.11")
    assert (status, errors(body)) == (404, ["NAME_UNKNOWN"])
    status, _headers, body = registry.request("/v2/nvidia/nemo/blobs/uploads/", method="POST")
    assert (status, errors(body)) == (405, ["UNSUPPORTED"])


def test_the_log_lists_requests_and_never_the_key(registry: Registry) -> None:
    registry.request("/v2/", auth=None)
    registry.request("/v2/", auth=(USER, PASSWORD + "-typo"))
    registry.request("/v2/nvidia/nemo/manifests/25.11")
    time.sleep(0.1)
    log = registry.log_file.read_text() + registry.output()
    assert '"GET /v2/nvidia/nemo/manifests/25.11 HTTP/1.1" 200 auth=basic-ok' in log
    assert '"GET /v2/ HTTP/1.1" 401 auth=refused-basic' in log and '"GET /v2/ HTTP/1.1" 401 auth=none' in log
    for secret in (PASSWORD, f"{USER}:{PASSWORD}", f"{USER}:{PASSWORD}-typo", PASSWORD + "-typo"):
        assert secret not in log
        assert base64.b64encode(secret.encode()).decode() not in log
    assert "Authorization" not in log and "Basic " not in log
    # One line per request, the quoted request line first (molecule/nemo counts the GETs of manifests by it).
    requests = [line.split() for line in registry.log_file.read_text().splitlines() if "/v2/nvidia/nemo/manifests/25.11 " in line]
    assert ['"GET', "/v2/nvidia/nemo/manifests/25.11", 'HTTP/1.1"', "200", "auth=basic-ok"] in [line[:5] for line in requests]
    assert all(line[0] in ('"GET', '"HEAD', '"POST') for line in requests), requests


def test_sigterm_exits_0_and_a_broken_store_is_refused(built: tuple[pathlib.Path, dict[str, str]], tmp_path: pathlib.Path) -> None:
    started = Registry(built[0], tmp_path)
    assert started.request("/v2/")[0] == 200
    assert started.stop() == 0
    (tmp_path / "empty").mkdir()
    done = subprocess.run([sys.executable, str(built[0] / "ngc-registry"), "--listen", f"127.0.0.1:{free_port()}", "--store",
                           str(tmp_path / "empty"), "--user", USER, "--password-file", str(started.password_file)],
                          capture_output=True, text=True, timeout=10, check=False)
    assert done.returncode == 1 and "is not an OCI image layout" in done.stderr and PASSWORD not in done.stderr + done.stdout
    assert os.access(built[0] / "ngc-registry", os.X_OK)
