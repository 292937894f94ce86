# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apt repositories as data: checked, and turned into deb822 stanzas (mirror applied).

Every vendor repository the collection uses (NVIDIA, Docker, ...) is one such mapping, handed to
the base role's ``repository`` entry point, so one variable can point all of them at a mirror.
"""

from __future__ import annotations

import os
import re
import typing as t

from ansible_collections.nova.dgx.plugins.plugin_utils._types import yaml_kind
from ansible_collections.nova.dgx.plugins.plugin_utils._validate import problem, shown

__all__ = ["apt_source", "mirrored_uri", "repositories_errors", "repository_errors"]

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")
_URI = re.compile(r"(https?|file|copy|cdrom):[^\s]+")
_ARCHES = {"amd64", "arm64", "i386", "armhf", "ppc64el", "s390x", "riscv64", "all"}
_FIELDS = {"name", "uris", "suites", "components", "architectures", "key", "key_file", "key_url", "key_sha256", "mirror_path", "state"}
_KEY_SOURCES = ("key", "key_file", "key_url")


def _list_of_words(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v and not re.search(r"\s", v) for v in value)


def repository_errors(repo: object, where: str = "base_repository") -> list[str]:
    """Every problem in one repository mapping, each naming ``where`` and the field.

    Given a list, checks every repository in it and that no two share a name (see repositories_errors).
    """
    if isinstance(repo, list):
        return repositories_errors(repo, where)
    if not isinstance(repo, dict):
        return [f"{where} must be a mapping with name, uris, suites and a key, got {yaml_kind(repo)}"]
    name = repo.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return [f"{where}: field 'name' must match ^{_NAME.pattern}$ (it names the .sources and keyring files), got {shown(name)}"]
    where = f"{where} ({name})"
    errors = [f"{where}: unknown field '{k}'; known fields: {', '.join(sorted(_FIELDS))}" for k in repo if k not in _FIELDS]
    if repo.get("state", "present") not in ("present", "absent"):
        errors.append(f"{where}: field 'state' must be present or absent, got {repo.get('state')!r}")
    if repo.get("state", "present") == "absent":
        return errors
    if not isinstance(repo.get("uris"), str) or not _URI.fullmatch(repo["uris"]):
        errors.append(f"{where}: field 'uris' must be one URL (http, https or file), got {repo.get('uris')!r}")
    if not _list_of_words(repo.get("suites")) or not repo.get("suites"):
        errors.append(f"{where}: field 'suites' must be a non-empty list such as [noble] or ['/'] for a flat repository, "
                      f"got {repo.get('suites')!r}")
    if not _list_of_words(repo.get("components", [])):
        errors.append(f"{where}: field 'components' must be a list such as [main], got {repo.get('components')!r}")
    flat = any(s.endswith("/") for s in repo.get("suites") or [] if isinstance(s, str))
    if flat and repo.get("components"):
        errors.append(f"{where}: a flat repository (suite ending in '/') takes no components")
    if not flat and not repo.get("components"):
        errors.append(f"{where}: field 'components' is needed unless the suite is a flat path ending in '/'")
    arches = repo.get("architectures", [])
    if not _list_of_words(arches) or set(arches) - _ARCHES:
        errors.append(f"{where}: field 'architectures' must list Debian architecture names ({', '.join(sorted(_ARCHES))}), got {arches!r}")
    given = [k for k in _KEY_SOURCES if repo.get(k)]
    if len(given) != 1:
        errors.append(f"{where}: give exactly one of key (armored text), key_file (a file on the controller) "
                      f"or key_url (with key_sha256), got {given or 'none'}")
    if repo.get("key") and "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in str(repo["key"]):
        errors.append(f"{where}: field 'key' must be an ASCII-armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)")
    if repo.get("key_url") and problem(repo.get("key_sha256", ""), "sha256"):
        errors.append(f"{where}: field 'key_sha256' must be the key file's SHA-256 (64 hex digits) when key_url is used; every download is checked")
    elif repo.get("key_sha256") and (found := problem(repo["key_sha256"], "sha256")):
        errors.append(f"{where}: field 'key_sha256' {found}, got {shown(repo['key_sha256'])}")
    errors += _key_file_errors(where, repo.get("key_file"))
    if "mirror_path" in repo and (not isinstance(repo["mirror_path"], str) or not repo["mirror_path"].strip("/")):
        errors.append(f"{where}: field 'mirror_path' must be a path under base_apt_mirror, got {repo['mirror_path']!r}")
    return errors


def _key_file_errors(where: str, key_file: object) -> list[str]:
    """A key_file must be an existing file on the controller, named by its absolute path."""
    if not key_file:
        return []
    if problem(key_file, "absolute path"):
        return [f"{where}: field 'key_file' must be the absolute path of the key on the controller, "
                f"such as {{{{ playbook_dir }}}}/files/key.asc, got {shown(key_file)}"]
    if not os.path.isfile(str(key_file)):
        return [f"{where}: field 'key_file' {key_file} does not exist on the controller; put the signing key there or correct the path"]
    return []


def repositories_errors(repos: object, where: str = "base_apt_repositories") -> list[str]:
    """Every problem in a list of repositories: one message when it is not a list, and repeated names."""
    if not isinstance(repos, list):
        return [f"{where} must be a list of repositories, got {shown(repos)}; write it as a YAML list"]
    errors: list[str] = []
    seen: dict[str, int] = {}
    for pos, repo in enumerate(repos):
        errors += repository_errors(repo, f"{where}[{pos}]")
        name = repo.get("name") if isinstance(repo, dict) else None
        if isinstance(name, str) and name in seen:
            errors.append(f"{where}[{pos}] ({name}): field 'name' repeats {where}[{seen[name]}]; "
                          "the second would overwrite the first's .sources and keyring files, so give each its own name")
        if isinstance(name, str):
            seen.setdefault(name, pos)
    return errors


def mirrored_uri(uri: str, mirror: str, path: str) -> str:
    """``uri`` itself, or ``<mirror>/<path>`` when a mirror is set."""
    return f"{mirror.rstrip('/')}/{path.strip('/')}" if mirror else uri


def apt_source(repo: dict[str, t.Any], mirror: str = "", keyring_dir: str = "/etc/apt/keyrings") -> dict[str, t.Any]:
    """The deb822 fields for ``repo``: URIs (mirrored when a mirror is set), suites, components, Signed-By."""
    stanza: dict[str, t.Any] = {
        "Types": "deb",
        "URIs": mirrored_uri(repo["uris"], mirror, repo.get("mirror_path") or repo["name"]),
        "Suites": " ".join(repo["suites"]),
    }
    if repo.get("components"):
        stanza["Components"] = " ".join(repo["components"])
    if repo.get("architectures"):
        stanza["Architectures"] = " ".join(repo["architectures"])
    stanza["Signed-By"] = f"{keyring_dir.rstrip('/')}/nova-{repo['name']}.asc"
    return stanza
