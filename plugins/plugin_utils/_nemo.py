# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NeMo for nova.dgx.nemo: the checks of its input and what the validation script reported (private)."""

from __future__ import annotations

import json
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["errors", "requirements", "validation", "venv_differences"]

FLAVOURS = ("automodel", "framework")
RUNTIMES = ("container", "virtualenv")
_REPOSITORY = re.compile(r"[a-z0-9]+([.-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_SIZE = re.compile(r"\d+[bkmg]?")
_CC = re.compile(r"auto|\d+\.\d+|")
ULIMITS = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime",
           "sigpending", "stack")
# Where the team's directory may live: the usual roots for site data, never / or a system directory.
DATA_ROOTS = ("/srv/", "/data/", "/var/lib/", "/opt/", "/home/", "/raid/", "/mnt/")


def _image_errors(flavour: str, image: object) -> list[str]:
    where = f"nemo_images.{flavour}"
    if not isinstance(image, dict) or set(image) != {"repository", "tag", "digest"}:
        return [f"{where} must be a mapping of repository, tag and digest, got {shown(image)}"]
    problems = []
    repository, tag, digest = image["repository"], image["tag"], image["digest"]
    if not isinstance(repository, str) or not _REPOSITORY.fullmatch(repository) or "@" in repository:
        problems.append(f"{where}.repository must be a registry path such as nvcr.io/nvidia/nemo-automodel (no tag, no digest),"
                        f" got {shown(repository)}")
    if not isinstance(tag, str) or not _TAG.fullmatch(tag) or tag == "latest":
        problems.append(f"{where}.tag must be a release tag such as 26.02 (never latest), got {shown(tag)}")
    if digest in ("", None):
        problems.append(f"{where}.digest is empty: an image is pinned by tag and digest. On a machine with NGC access run"
                        f" docker pull {repository}:{tag} and docker inspect --format '{{{{index .RepoDigests 0}}}}' {repository}:{tag},"
                        " then set the sha256:... part")
    elif not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        problems.append(f"{where}.digest must be sha256: and 64 lower-case hex digits, got {shown(digest)}")
    return problems


def _venv_errors(settings: dict[str, t.Any]) -> list[str]:
    problems = []
    roots = settings.get("nemo_venv_roots")
    if not isinstance(roots, list) or not roots or not all(
            isinstance(root, str) and root.startswith("/") and root.rstrip("/") and ".." not in root.split("/") for root in roots):
        problems.append(f"nemo_venv_roots must be a list of absolute directories such as /opt, got {shown(roots)}")
        roots = []
    venv = settings.get("nemo_venv_dir")
    inside = [root for root in roots if isinstance(venv, str) and venv.startswith(root.rstrip("/") + "/")]
    if not isinstance(venv, str) or not venv.startswith("/") or ".." in venv.split("/") or "//" in venv or venv.endswith("/") \
            or not inside or any(venv.rstrip("/") == root.rstrip("/") for root in roots):
        problems.append(f"nemo_venv_dir must be a directory below one of nemo_venv_roots ({', '.join(map(str, roots))}), such as"
                        f" /opt/nemo/venv, got {shown(venv)}")
    index = settings.get("nemo_pip_index_url")
    if not isinstance(index, str) or not re.fullmatch(r"(https://|file:///)\S+", index):
        problems.append(f"nemo_pip_index_url must be an https:// (or file:///) package index such as https://pypi.org/simple,"
                        f" got {shown(index)}")
    python = settings.get("nemo_venv_python")
    if not isinstance(python, str) or not re.fullmatch(r"/[\w./-]+", python):
        problems.append(f"nemo_venv_python must be the absolute path of a Python interpreter such as /usr/bin/python3, got {shown(python)}")
    return problems


def errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with nova.dgx.nemo's input, each naming the variable and the fix."""
    problems = []
    runtime = settings.get("nemo_runtime", "container")
    if runtime not in RUNTIMES:
        problems.append(f"nemo_runtime must be container (NVIDIA's NGC image, the default) or virtualenv (nemo_toolkit from PyPI),"
                        f" got {shown(runtime)}")
    elif runtime == "virtualenv":
        problems += _venv_errors(settings)
    flavour, images = settings.get("nemo_flavour"), settings.get("nemo_images")
    if flavour not in FLAVOURS:
        problems.append(f"nemo_flavour must be one of {', '.join(FLAVOURS)} (automodel: NVIDIA's DGX Spark guide; framework: the"
                        f" NeMo framework container), got {shown(flavour)}")
    if not isinstance(images, dict):
        problems.append(f"nemo_images must map each flavour to {{repository, tag, digest}}, got {shown(images)}")
    elif flavour in FLAVOURS:
        if flavour not in images:
            problems.append(f"nemo_images has no entry for nemo_flavour {flavour}")
        elif runtime != "virtualenv":
            problems += _image_errors(flavour, images[flavour])
    data = settings.get("nemo_data_dir")
    if not isinstance(data, str) or not data.startswith(DATA_ROOTS) or ".." in data.split("/") or data.rstrip("/") in (
            root.rstrip("/") for root in DATA_ROOTS):
        problems.append(f"nemo_data_dir must be a directory under one of {', '.join(DATA_ROOTS)} (e.g. /srv/nemo), got {shown(data)}")
    size = settings.get("nemo_shm_size")
    if not isinstance(size, str) or not _SIZE.fullmatch(size.lower()):
        problems.append(f"nemo_shm_size must be a size such as 16g or 512m, got {shown(size)}")
    extra = settings.get("nemo_extra_run_args")
    if not isinstance(extra, list) or not all(isinstance(arg, str) for arg in extra):
        problems.append(f"nemo_extra_run_args must be a list of docker run arguments, got {shown(extra)}")
    elif any(arg.split("=", 1)[0] in ("--privileged", "--cap-add", "--security-opt", "--pid", "--userns") for arg in extra):
        problems.append("nemo_extra_run_args may not widen the container's privileges (--privileged, --cap-add, --security-opt,"
                        " --pid, --userns): NeMo needs none of them")
    limits = settings.get("nemo_ulimits", {})
    if not isinstance(limits, dict) or any(name not in ULIMITS or isinstance(value, bool) or not isinstance(value, int) or value < -1
                                           for name, value in limits.items()):
        problems.append(f"nemo_ulimits must map ulimit names ({', '.join(ULIMITS)}) to whole numbers (-1: unlimited), got {shown(limits)}")
    expected = settings.get("nemo_expected_cc")
    if not isinstance(expected, str) or not _CC.fullmatch(expected):
        problems.append(f"nemo_expected_cc must be auto, '' or major.minor such as 12.1, got {shown(expected)}")
    return problems


def requirements(text: object, where: str = "the requirements file") -> dict[str, t.Any]:
    """A hashed requirements file's target (python, machine), its pins and what is wrong with it."""
    problems, pins = [], {}
    target = {"python": "", "machine": ""}
    if not isinstance(text, str) or not text.strip():
        return {"python": "", "machine": "", "pins": {}, "errors": [f"{where} could not be read (is the path right?)"]}
    header = re.search(r"^# target: python (\d+\.\d+), machine (\w+)$", text, re.MULTILINE)
    if header:
        target = {"python": header.group(1), "machine": header.group(2)}
    else:
        problems.append(f"{where} has no '# target: python X.Y, machine M' line (scripts/pin-nemo-requirements writes one)")
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;]+)", line)
        if not match:
            problems.append(f"{where}: every requirement must be name==version with hashes, got {line[:80]!r}")
            continue
        if "--hash=sha256:" not in line:
            problems.append(f"{where}: {match.group(1)}=={match.group(3)} has no --hash=sha256:")
        pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    if not pins and not problems:
        problems.append(f"{where} pins nothing")
    return {**target, "pins": pins, "errors": problems}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def venv_differences(pip_list: object, pins: dict[str, str]) -> list[str]:
    """How a virtualenv (pip list --format=json) differs from the pins: missing, other versions, packages not pinned."""
    try:
        listed = json.loads(pip_list) if isinstance(pip_list, str) else None
    except ValueError:
        listed = None
    if not isinstance(listed, list):
        return ["pip list printed no package list"]
    have = {_canonical(str(item.get("name", ""))): str(item.get("version", "")) for item in listed if isinstance(item, dict)}
    wanted = {_canonical(name): version for name, version in pins.items()}
    found = [f"{name} missing" for name in sorted(wanted) if name not in have]
    found += [f"{name} {have[name]} (pinned {version})" for name, version in sorted(wanted.items()) if name in have and have[name] != version]
    # pip and what venv itself brings are not the requirements' business unless pinned there.
    found += [f"{name} {have[name]} not pinned" for name in sorted(have) if name not in wanted and name not in ("pip", "setuptools", "wheel")]
    return found


def validation(text: object) -> dict[str, t.Any]:
    """The validation script's JSON (the stored result), or a failed result saying why it cannot be read."""
    try:
        result = json.loads(text) if isinstance(text, str) and text.strip() else None
    except ValueError:
        result = None
    if not isinstance(result, dict) or not isinstance(result.get("ok"), bool):
        shown_text = text.strip()[-300:] if isinstance(text, str) else ""
        return {"ok": False, "checks": [], "versions": {}, "image": "",
                "error": "the validation printed no result" + (f": {shown_text}" if shown_text else "")}
    result.setdefault("checks", [])
    result.setdefault("versions", {})
    result.setdefault("error", "")
    return result
