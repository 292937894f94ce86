"""Bad input to nova.dgx.nemo fails before anything on a host changes (see conftest.py)."""

from __future__ import annotations

import pytest

DIGEST = "sha256:" + "0" * 64
BASE = {"nemo_images": {"automodel": {"repository": "nvcr.io/nvidia/nemo-automodel", "tag": "26.02", "digest": DIGEST},
                        "framework": {"repository": "nvcr.io/nvidia/nemo", "tag": "25.11", "digest": DIGEST}}}


def _image(**change: str) -> dict[str, object]:
    return {"nemo_images": {**BASE["nemo_images"], "automodel": {**BASE["nemo_images"]["automodel"], **change}}}


CASES = [
    (_image(digest=""), "nemo_images.automodel.digest is empty: an image is pinned by tag and digest"),
    (_image(digest="sha256:abc"), "nemo_images.automodel.digest must be sha256: and 64 lower-case hex digits"),
    (_image(digest="md5:" + "0" * 32), "nemo_images.automodel.digest must be sha256: and 64 lower-case hex digits"),
    (_image(tag="latest"), "nemo_images.automodel.tag must be a release tag such as 26.02 (never latest)"),
    (_image(repository="nvcr.io/nvidia/nemo-automodel:26.02"), "nemo_images.automodel.repository must be a registry path"),
    ({"nemo_flavour": "nemotron"}, "nemo_flavour must be one of"),
    ({"nemo_data_dir": "/etc/nemo"}, "nemo_data_dir must be a directory under one of /srv/"),
    ({"nemo_data_dir": "/srv"}, "nemo_data_dir must be a directory under one of /srv/"),
    ({"nemo_data_dir": "/srv/../etc"}, "nemo_data_dir must be a directory under one of /srv/"),
    ({"nemo_shm_size": "lots"}, "nemo_shm_size must be a size such as 16g"),
    ({"nemo_extra_run_args": ["--privileged"]}, "nemo_extra_run_args may not widen the container's privileges"),
    ({"nemo_expected_cc": "sm_121"}, "nemo_expected_cc must be auto, "),
    ({"nemo_users": ["Bad User"]}, "nemo_users"),
    ({"nemo_ulimits": {"memlock": "unlimited"}}, "nemo_ulimits must map ulimit names"),
    ({"nemo_ulimits": {"stacks": 1}}, "nemo_ulimits must map ulimit names"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES)
def test_bad_input_fails_before_the_host(role_batch, variables: dict[str, object], expected: str) -> None:
    role_batch("nova.dgx.nemo", CASES, base=BASE).failed_before_any_host(variables, expected)


def test_valid_input_reaches_the_host(run_role) -> None:
    run_role.reached_the_host(run_role("nova.dgx.nemo", BASE), "Gather the facts the driver depends on")


VENV = {"nemo_runtime": "virtualenv"}


CASES_2 = [
    ({"nemo_runtime": "conda"}, "value of nemo_runtime must be one of: container, virtualenv"),
    ({**VENV, "nemo_venv_dir": "/usr/lib/nemo"}, "nemo_venv_dir must be a directory below one of nemo_venv_roots (/opt, /srv)"),
    ({**VENV, "nemo_venv_dir": "/opt"}, "nemo_venv_dir must be a directory below one of nemo_venv_roots"),
    ({**VENV, "nemo_venv_dir": "/opt/../etc/nemo"}, "nemo_venv_dir must be a directory below one of nemo_venv_roots"),
    ({**VENV, "nemo_venv_dir": "opt/nemo"}, "nemo_venv_dir must be a directory below one of nemo_venv_roots"),
    ({**VENV, "nemo_venv_dir": "/optional/nemo"}, "nemo_venv_dir must be a directory below one of nemo_venv_roots"),
    ({**VENV, "nemo_venv_roots": ["opt"]}, "nemo_venv_roots must be a list of absolute directories"),
    ({**VENV, "nemo_pip_index_url": "http://pypi.internal/simple"}, "nemo_pip_index_url must be an https:// (or file:///)"),
    ({**VENV, "nemo_venv_python": "python3"}, "nemo_venv_python must be the absolute path of a Python interpreter"),
    ({**VENV, "nemo_venv_user": "Bad User"}, "nemo_venv_user"),
]


@pytest.mark.parametrize(("variables", "expected"), CASES_2)
def test_bad_virtualenv_input_fails_before_the_host(role_batch, variables: dict[str, object], expected: str) -> None:
    role_batch("nova.dgx.nemo", CASES_2, base=BASE).failed_before_any_host(variables, expected)


def test_the_virtualenv_needs_no_image_digest(run_role) -> None:
    """An empty digest is refused for the container only: the virtualenv path pulls no image."""
    images = {flavour: {**image, "digest": ""} for flavour, image in BASE["nemo_images"].items()}
    run_role.reached_the_host(run_role("nova.dgx.nemo", {**VENV, "nemo_images": images}), "Gather the facts the driver depends on")
