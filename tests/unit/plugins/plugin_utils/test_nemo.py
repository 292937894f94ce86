"""The NeMo role's logic: input checks and reading the validation's result."""

from __future__ import annotations

import json

import pathlib

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._nemo import errors, requirements, validation, venv_differences

ROOT = pathlib.Path(__file__).resolve().parents[4]

DIGEST = "sha256:" + "a" * 64
GOOD = {"nemo_flavour": "framework", "nemo_data_dir": "/srv/nemo", "nemo_shm_size": "16g", "nemo_extra_run_args": ["--env=A=1"],
        "nemo_expected_cc": "auto",
        "nemo_images": {"framework": {"repository": "nvcr.io/nvidia/nemo", "tag": "25.11", "digest": DIGEST}}}


def test_good_input_has_no_errors() -> None:
    assert errors(GOOD) == []
    assert errors({**GOOD, "nemo_expected_cc": "12.1", "nemo_data_dir": "/raid/nemo", "nemo_shm_size": "512M"}) == []


def test_only_the_chosen_flavour_needs_a_digest() -> None:
    images = {**GOOD["nemo_images"], "automodel": {"repository": "nvcr.io/nvidia/nemo-automodel", "tag": "26.02", "digest": ""}}
    assert errors({**GOOD, "nemo_images": images}) == []
    assert "nemo_images.automodel.digest is empty" in errors({**GOOD, "nemo_images": images, "nemo_flavour": "automodel"})[0]


def test_a_missing_flavour_entry_and_a_malformed_image_are_named() -> None:
    assert errors({**GOOD, "nemo_flavour": "automodel"}) == ["nemo_images has no entry for nemo_flavour automodel"]
    assert "must be a mapping of repository, tag and digest" in errors({**GOOD, "nemo_images": {"framework": "nvcr.io/nvidia/nemo"}})[0]


def test_the_validation_result_is_read_or_failed_with_the_reason() -> None:
    result = validation(json.dumps({"ok": True, "checks": [{"name": "NeMo", "ok": True, "detail": "NeMo 2.6.0"}], "versions": {"nemo": "2.6.0"}}))
    assert result["ok"] and result["versions"]["nemo"] == "2.6.0" and result["error"] == ""
    stand_in = validation('{"ok": false, "standin": true, "error": "no NeMo"}')
    assert not stand_in["ok"] and stand_in["checks"] == [] and stand_in["error"] == "no NeMo"
    assert validation("Traceback: boom") == {"ok": False, "checks": [], "versions": {}, "image": "",
                                             "error": "the validation printed no result: Traceback: boom"}
    assert validation("")["error"] == "the validation printed no result"
    assert not validation('{"ok": "yes"}')["ok"]


VENV = {**GOOD, "nemo_runtime": "virtualenv", "nemo_venv_dir": "/opt/nemo/venv", "nemo_venv_roots": ["/opt", "/srv"],
        "nemo_pip_index_url": "https://pypi.org/simple", "nemo_venv_python": "/usr/bin/python3"}


def test_a_virtualenv_below_an_allowed_root_is_accepted() -> None:
    assert errors(VENV) == []
    assert errors({**VENV, "nemo_venv_dir": "/srv/ml/nemo-3.0", "nemo_pip_index_url": "file:///srv/mirror/simple"}) == []


@pytest.mark.parametrize("venv", ["/opt", "/opt/", "/etc/nemo", "/opt/../etc", "relative/venv", "/opt//nemo", "/optx/nemo", 7])
def test_a_virtualenv_outside_the_roots_is_refused(venv: object) -> None:
    assert any("nemo_venv_dir must be a directory below one of nemo_venv_roots" in error for error in errors({**VENV, "nemo_venv_dir": venv}))


@pytest.mark.parametrize("path", ["roles/nemo/files/requirements-gpu-aarch64.txt", "roles/nemo/files/requirements-gpu-x86_64.txt"])
def test_the_shipped_requirements_pin_and_hash_everything_for_dgx_os_7(path: str) -> None:
    text = (ROOT / path).read_text()
    parsed = requirements(text, path)
    assert parsed["errors"] == []
    assert parsed["python"] == "3.12"
    assert path.endswith(f"-{parsed['machine']}.txt")
    assert parsed["pins"]["nemo-toolkit"] and parsed["pins"]["torch"]
    # every logical requirement line carries at least one hash, and nothing is left to the resolver
    assert text.count("==") - 1 == len(parsed["pins"]) <= text.count("--hash=sha256:")
    assert ">=" not in text and "--index-url" not in text


def test_a_requirements_file_without_hashes_or_target_is_refused() -> None:
    parsed = requirements("torch==2.15.0\n", "mine.txt")
    assert "mine.txt has no '# target: python X.Y, machine M' line" in parsed["errors"][0]
    assert "mine.txt: torch==2.15.0 has no --hash=sha256:" in parsed["errors"][1]
    assert requirements("# target: python 3.12, machine aarch64\ntorch>=2\n")["errors"][0].startswith(
        "the requirements file: every requirement must be name==version")
    assert "could not be read" in requirements("")["errors"][0]


def test_venv_differences_name_missing_other_and_unpinned_packages() -> None:
    listed = json.dumps([{"name": "pip", "version": "24.0"}, {"name": "Text_Unidecode", "version": "1.3"},
                         {"name": "packaging", "version": "24.1"}, {"name": "six", "version": "1.17.0"}])
    pins = {"text-unidecode": "1.3", "packaging": "24.2", "tqdm": "4.70.1"}
    assert venv_differences(listed, pins) == ["tqdm missing", "packaging 24.1 (pinned 24.2)", "six 1.17.0 not pinned"]
    assert venv_differences(json.dumps([{"name": "text-unidecode", "version": "1.3"}]), {"text-unidecode": "1.3"}) == []
    assert venv_differences("not json", pins) == ["pip list printed no package list"]
