# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NeMo for nova.dgx.nemo: the checks of its input and what the validation script reported (private)."""

from __future__ import annotations

import json
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._validate import shown

__all__ = ["errors", "validation"]

FLAVOURS = ("automodel", "framework")
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


def errors(settings: dict[str, t.Any]) -> list[str]:
    """Problems with nova.dgx.nemo's input, each naming the variable and the fix."""
    problems = []
    flavour, images = settings.get("nemo_flavour"), settings.get("nemo_images")
    if flavour not in FLAVOURS:
        problems.append(f"nemo_flavour must be one of {', '.join(FLAVOURS)} (automodel: NVIDIA's DGX Spark guide; framework: the"
                        f" NeMo framework container), got {shown(flavour)}")
    if not isinstance(images, dict):
        problems.append(f"nemo_images must map each flavour to {{repository, tag, digest}}, got {shown(images)}")
    elif flavour in FLAVOURS:
        if flavour not in images:
            problems.append(f"nemo_images has no entry for nemo_flavour {flavour}")
        else:
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
