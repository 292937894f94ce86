"""base's artifact entry point, run for real on the controller (local connection, a temporary
directory as the 'host'): from the air-gap mirror into the cache, checked, copied, idempotent;
a wrong checksum or a missing pin never reaches the host."""

from __future__ import annotations

import grp
import hashlib
import io
import json
import os
import pathlib
import pwd
import re
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
URL = "https://downloads.example.invalid/tools/v1.2.3/example-tool"
PLAY = """- name: Fetch an artifact
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run the entry point
      ansible.builtin.include_role:
        name: nova.dgx.base
        tasks_from: artifact.yml
"""


def _run(tmp_path: pathlib.Path, artifact: dict, *extra: str) -> tuple[int, str]:
    variables = {"base_artifact": artifact, "base_artifact_mirror": str(tmp_path / "mirror"),
                 "base_artifact_cache_dir": str(tmp_path / "cache"), "ansible_python_interpreter": sys.executable}
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", NOVA_DGX_JOURNAL_DIR=str(tmp_path / "journal"))
    result = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(tmp_path / "play.yml"),
         "-e", f"@{tmp_path / 'vars.json'}", *extra],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path, env=env)
    return result.returncode, result.stdout + result.stderr


def _changed(output: str) -> int:
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", output)[1])


def _mirror(tmp_path: pathlib.Path, content: bytes) -> str:
    target = tmp_path / "mirror/downloads.example.invalid/tools/v1.2.3/example-tool"
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def test_from_the_mirror_checked_cached_copied_then_nothing_to_do(tmp_path: pathlib.Path) -> None:
    sha = _mirror(tmp_path, b"#!/bin/sh\necho example\n")
    dest = tmp_path / "host/usr/local/bin/example-tool"
    dest.parent.mkdir(parents=True)
    artifact = {"name": "example-tool", "url": URL, "sha256": sha, "dest": str(dest), "mode": "0755",
                "owner": pwd.getpwuid(os.getuid()).pw_name, "group": grp.getgrgid(os.getgid()).gr_name}
    rc, output = _run(tmp_path, artifact, "--check")
    assert rc == 0, output
    assert not dest.exists(), "check mode wrote the host's copy"
    rc, output = _run(tmp_path, artifact)
    assert rc == 0, output
    assert dest.read_bytes() == b"#!/bin/sh\necho example\n" and oct(dest.stat().st_mode & 0o777) == "0o755"
    assert (tmp_path / f"cache/{sha}-example-tool").is_file()
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and _changed(output) == 0, output
    # The host's copy is compared by its SHA-256 with the pin, and by its mode: either drift is put right.
    dest.chmod(0o700)
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and _changed(output) == 1 and oct(dest.stat().st_mode & 0o777) == "0o755", output
    dest.write_bytes(b"#!/bin/sh\necho edited\n")
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and _changed(output) == 1 and dest.read_bytes() == b"#!/bin/sh\necho example\n", output
    # The cache serves once the mirror is gone: nothing is downloaded twice.
    (tmp_path / "mirror/downloads.example.invalid/tools/v1.2.3/example-tool").unlink()
    dest.unlink()
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and dest.is_file(), output


def test_a_file_that_does_not_match_its_pin_never_reaches_the_host(tmp_path: pathlib.Path) -> None:
    _mirror(tmp_path, b"tampered\n")
    dest = tmp_path / "host/example-tool"
    rc, output = _run(tmp_path, {"name": "example-tool", "url": URL, "sha256": "0" * 64, "dest": str(dest)})
    assert rc == 2, output
    assert "checksum" in output.lower() and not dest.exists() and not list((tmp_path / "cache").glob("*"))


def test_an_unpinned_artifact_is_refused_saying_how_to_pin_it(tmp_path: pathlib.Path) -> None:
    rc, output = _run(tmp_path, {"name": "example-tool", "url": URL, "sha256": "", "sha256_var": "example_tool_sha256",
                                 "dest": str(tmp_path / "x")})
    assert rc == 2, output
    assert "no pinned SHA-256 (example_tool_sha256 is '')" in " ".join(output.split()).replace("''", "'")
    assert "Download on the controller" not in output


def _archive(tmp_path: pathlib.Path, kind: str, files: dict[str, bytes]) -> tuple[str, str]:
    """An archive in the mirror at its upstream path; returns (url, sha256)."""
    url = f"https://downloads.example.invalid/tools/v1.2.3/bundle.{kind}"
    target = tmp_path / "mirror/downloads.example.invalid/tools/v1.2.3" / f"bundle.{kind}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "whl":
        with zipfile.ZipFile(target, "w") as bundle:
            for name, data in files.items():
                bundle.writestr(name, data)
    else:
        with tarfile.open(target, "w:gz") as bundle:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))
    return url, hashlib.sha256(target.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_one_file_out_of_a_checked_archive(tmp_path: pathlib.Path, kind: str) -> None:
    url, sha = _archive(tmp_path, kind, {"pkg-1.0.data/purelib/pkg/bin/tool": b"\x7fELF binary\n", "pkg/other.py": b"x = 1\n"})
    dest = tmp_path / "host/usr/bin/tool"
    dest.parent.mkdir(parents=True)
    artifact = {"name": "tool", "url": url, "sha256": sha, "dest": str(dest), "mode": "0755", "extract": "pkg-1.0.data/purelib/pkg/bin/tool",
                "owner": pwd.getpwuid(os.getuid()).pw_name, "group": grp.getgrgid(os.getgid()).gr_name}
    rc, output = _run(tmp_path, artifact)
    assert rc == 0, output
    assert dest.read_bytes() == b"\x7fELF binary\n" and oct(dest.stat().st_mode & 0o777) == "0o755"
    assert sorted(p.name for p in (tmp_path / "cache").rglob("*") if p.is_file()) == sorted([f"{sha}-bundle.{kind}", "tool", "tool.sha256"])
    member = next((tmp_path / "cache").rglob("tool"))
    assert member.with_name("tool.sha256").read_text() == hashlib.sha256(b"\x7fELF binary\n").hexdigest() + "\n"
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and _changed(output) == 0, output
    # The host's copy is compared with the extracted file's SHA-256: a changed copy is replaced.
    dest.write_bytes(b"\x7fELF other\n")
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and _changed(output) == 1 and dest.read_bytes() == b"\x7fELF binary\n", output
    # A cache from before the recorded SHA-256 (the file alone) is extracted again; the host's copy is left as it is.
    member.with_name("tool.sha256").unlink()
    before = dest.stat().st_mtime_ns
    rc, output = _run(tmp_path, artifact)
    assert rc == 0 and member.with_name("tool.sha256").is_file() and dest.stat().st_mtime_ns == before, output
    assert "Copy to the host the artifact tool" in output and "skipping: [localhost]" in output.split("Copy to the host the artifact tool")[1][:200]


def test_a_member_the_archive_lacks_is_named(tmp_path: pathlib.Path) -> None:
    url, sha = _archive(tmp_path, "whl", {"pkg/bin/tool": b"x"})
    dest = tmp_path / "host/tool"
    rc, output = _run(tmp_path, {"name": "tool", "url": url, "sha256": sha, "dest": str(dest), "extract": "pkg/bin/bao"})
    assert rc == 2 and "has no file pkg/bin/bao" in output and not dest.exists(), output
    # Nothing half-written is left in the cache (a partial file is the run's own and removed on failure).
    assert not [p.name for p in (tmp_path / "cache").rglob("*.part")]


def test_two_extractions_of_one_file_at_once_each_leave_it_whole(tmp_path: pathlib.Path) -> None:
    # Two ansible-playbook runs on one controller may extract the same file side by side: each writes its own partial
    # file and replaces the cached one with a whole copy, and its SHA-256 with the matching one.
    payload = bytes(range(256)) * 40_000
    url, _sha = _archive(tmp_path, "tar.gz", {"pkg/bin/tool": payload})
    archive = tmp_path / "mirror/downloads.example.invalid/tools/v1.2.3/bundle.tar.gz"
    dest = tmp_path / "cache/tool.d/tool"
    script = ROOT / "roles/base/files/extract-member.py"
    runs = [subprocess.Popen([sys.executable, str(script), str(archive), "pkg/bin/tool", str(dest)]) for _copy in range(4)]
    assert [run.wait(timeout=60) for run in runs] == [0, 0, 0, 0]
    assert dest.read_bytes() == payload
    assert dest.with_name("tool.sha256").read_text() == hashlib.sha256(payload).hexdigest() + "\n"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["tool", "tool.sha256"]
