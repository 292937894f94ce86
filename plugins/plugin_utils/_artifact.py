# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Artifacts: files a role downloads on the controller, pinned by SHA-256, then copies to hosts.

One air-gap override serves them all: with a mirror (a URL, or a directory on the controller)
every artifact is read from ``<mirror>/<host>/<path>`` of its upstream URL, the layout
``wget --force-directories`` makes, so a mirror is filled by copying upstream paths as they are.
"""

from __future__ import annotations

import posixpath
import re
import typing as t
import urllib.parse

from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind

__all__ = ["artifact_errors", "artifact_source", "artifact_cache_name"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")
_MODE = re.compile(r"^0?[0-7]{3,4}$")
_SCHEMES = ("https", "http", "file")
_FIELDS = {"name", "url", "sha256", "sha256_var", "dest", "owner", "group", "mode", "mirror_path", "extract"}
_ARCHIVES = (".zip", ".whl", ".tar.gz", ".tgz", ".tar", ".tar.xz")


def _sha(value: object) -> str:
    return str(value or "").strip().lower().removeprefix("sha256:")


def artifact_errors(artifact: object, where: str = "base_artifact") -> list[str]:
    """Every problem with an artifact request, each naming the field and the fix."""
    if not isinstance(artifact, dict):
        return [f"{where} must be a mapping with name, url, sha256 and dest, got {yaml_kind(artifact)}"]
    errors = [f"{where}.{k}: unknown field; an artifact has {', '.join(sorted(_FIELDS))}" for k in sorted(set(artifact) - _FIELDS)]
    name, url = artifact.get("name"), artifact.get("url")
    if not isinstance(name, str) or not _NAME.match(name):
        errors.append(f"{where}.name must be a short name of letters, digits and . _ + - (it names the cache entry), got {name!r}")
    parsed = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parsed is None or parsed.scheme not in _SCHEMES or not parsed.path or parsed.path.endswith("/"):
        errors.append(f"{where}.url must be an https://, http:// or file:// URL of a file, got {url!r}")
    if not _SHA256.match(_sha(artifact.get("sha256"))):
        pin = artifact.get("sha256_var") or f"{where}.sha256"
        errors.append(
            f"{name}: no pinned SHA-256 ({pin} is {artifact.get('sha256')!r}). Download {url} once on a trusted machine, "
            f"check it against the vendor's published checksum or signature, then set {pin} to the 64 hex digits `sha256sum` prints"
        )
    dest = artifact.get("dest")
    if not isinstance(dest, str) or not dest.startswith("/") or dest.endswith("/") or "/../" in f"{dest}/":
        errors.append(f"{where}.dest must be an absolute file path on the host, got {dest!r}")
    mode = artifact.get("mode", "0644")
    if not isinstance(mode, str) or not _MODE.match(mode):
        errors.append(f"{where}.mode must be an octal string such as '0644' (quote it in YAML), got {mode!r}")
    extract = artifact.get("extract")
    if extract is not None:
        if not isinstance(extract, str) or not extract or extract.startswith("/") or ".." in extract.split("/") or extract.endswith("/"):
            errors.append(f"{where}.extract must be the relative path of one file inside the archive, got {extract!r}")
        elif isinstance(url, str) and not urllib.parse.urlsplit(url).path.endswith(_ARCHIVES):
            errors.append(f"{where}.extract takes a file out of an archive, but {where}.url does not end in {', '.join(_ARCHIVES)}")
    mirror_path = artifact.get("mirror_path")
    if mirror_path is not None and (not isinstance(mirror_path, str) or mirror_path.startswith("/") or ".." in mirror_path.split("/")):
        errors.append(f"{where}.mirror_path must be a relative path under base_artifact_mirror, got {mirror_path!r}")
    return errors


def _mirror_url(mirror: str) -> str:
    mirror = mirror.rstrip("/")
    return f"file://{mirror}" if mirror.startswith("/") else mirror


def artifact_source(artifact: dict[str, t.Any], mirror: str = "") -> str:
    """Where the controller downloads the artifact from: upstream, or its place under the mirror."""
    if not mirror:
        return str(artifact["url"])
    if artifact.get("mirror_path"):
        path = urllib.parse.quote(str(artifact["mirror_path"]).lstrip("/"), safe="/+")
    else:  # the upstream path as it is, already URL-encoded
        parsed = urllib.parse.urlsplit(str(artifact["url"]))
        path = posixpath.join(parsed.netloc, parsed.path.lstrip("/"))
    return f"{_mirror_url(mirror)}/{path}"


def artifact_cache_name(artifact: dict[str, t.Any]) -> str:
    """The file name in the controller's cache: checksum first, so two versions never collide."""
    return f"{_sha(artifact['sha256'])}-{posixpath.basename(urllib.parse.urlsplit(str(artifact['url'])).path)}"
