"""Bad input to nova.dgx.base fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"base_timezone": "Mars Standard"}, "base_timezone must be a zone name such as Etc/UTC"),
        ({"base_locale": "english"}, "base_locale must be a locale such as en_US.UTF-8"),
        ({"base_journald_system_max_use": "lots"}, "base_journald_system_max_use must be a size"),
        ({"base_apt_mirror": "mirror.internal"}, "base_apt_mirror must be an http(s) or file URL"),
        ({"base_apt_repositories": [{"name": "docker", "uris": "https://download.docker.com/linux/ubuntu", "suites": ["noble"],
                                     "components": ["stable"], "key_url": "https://download.docker.com/linux/ubuntu/gpg"}]},
         "(docker): field 'key_sha256' must be the key file's SHA-256"),
    ],
)
def test_bad_input_fails_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.base", variables), expected)


def test_a_bad_repository_from_another_role_is_refused(run_role) -> None:
    result = run_role("nova.dgx.base", {"base_repository": {"name": "cuda", "uris": "https://x.invalid/", "suites": ["/"], "key_file": "/k.asc",
                                                            "architectures": ["aarch64"]}}, "repository")
    run_role.failed_before_any_host(result, "base_repository (cuda): field 'architectures' must list Debian architecture names")


def test_valid_input_passes_preflight_and_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.base", {}), "Gather the facts this role needs")


_REPO = {"name": "x", "uris": "https://x.invalid/", "suites": ["/"], "key": "-----BEGIN PGP PUBLIC KEY BLOCK-----"}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"base_hostname": "dgx spark 01"}, "base_hostname must be a host name"),
        ({"base_apt_repositories": [_REPO, dict(_REPO, uris="https://y.invalid/")]}, "base_apt_repositories[1] (x): field 'name' repeats"),
        ({"base_apt_repositories": [dict(_REPO, key_file="/nonexistent/k.asc")]},
         "base_apt_repositories[0] (x): field 'key_file' /nonexistent/k.asc does not exist on the controller"),
    ],
)
def test_values_and_files_are_checked_before_any_host_is_touched(run_role, variables: dict, expected: str) -> None:
    run_role.failed_before_any_host(run_role("nova.dgx.base", variables), expected)


def test_an_empty_hostname_leaves_it_alone_and_passes(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.base", {"base_hostname": ""}), "Gather the facts this role needs")
