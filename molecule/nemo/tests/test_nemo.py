"""nova.dgx.nemo against a STAND-IN NGC registry and image (docs/testing.md), after converge, the idempotence run and
side_effect.yml (the validation in the stand-in image, then a second pull at -vvv). What is real: Docker's login, pull
by tag and digest and logout; the key's path from the secrets server to `docker login` on stdin; the wrapper, the
directories and the validation's plumbing."""

from __future__ import annotations

import json
import os
import pathlib

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
PROJECT = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])
KEY = (EPHEMERAL / "planted-ngc-key").read_text().strip()
PINS = json.loads((PROJECT / "build" / "standin" / "pins.json").read_text())["ngc"]
REF = f"nvcr.io/nvidia/nemo-automodel:26.02@{PINS['nvidia/nemo-automodel:26.02']}"


def test_the_image_is_there_by_its_digest(host) -> None:
    with host.sudo():
        digests = json.loads(host.check_output("docker image inspect --format '{{json .RepoDigests}}' %s", REF.replace(":26.02@", "@")))
    assert f"nvcr.io/nvidia/nemo-automodel@{PINS['nvidia/nemo-automodel:26.02']}" in digests


def test_the_registry_saw_a_login_and_two_pulls_only(host) -> None:
    with host.sudo():
        log = host.file("/var/log/ngc-registry-standin.log").content_string
    manifests = [line for line in log.splitlines() if "/v2/nvidia/nemo-automodel/manifests/" in line and " 200" in line]
    # Two manifests per pull (the index, then this platform's): converge and side_effect's pull after `docker rmi`;
    # the idempotence run and the validation pulled nothing.
    assert len([line for line in manifests if line.startswith('"GET ')]) == 4, log
    assert KEY not in log


def test_no_credential_stays_on_the_host(host) -> None:
    with host.sudo():
        config = host.file("/root/.docker/config.json")
        assert not config.exists or "nvcr.io" not in config.content_string
        assert host.check_output("ls -d /run/nova-nemo-docker.* 2>/dev/null || true") == ""
        # /root/ngc-standin-password is the stand-in registry's own copy (prepare.yml).
        assert host.run("grep -rl --exclude=ngc-standin-password %s /etc /root /var/lib/nova-nemo /srv/nemo", KEY).rc == 1


def test_the_key_is_in_no_journal_and_no_verbose_output() -> None:
    vvv = (EPHEMERAL / "converge-vvv.log").read_text()
    # The -vvv run logged in and pulled again (the image was removed), and hid the login's arguments.
    assert "TASK [nova.dgx.nemo : Log in to the registry]" in vvv and "TASK [nova.dgx.nemo : Pull " in vvv
    assert KEY not in vvv
    journal = PROJECT / "build" / "journal"
    assert not [str(path) for path in journal.rglob("*") if path.is_file() and KEY in path.read_text(errors="replace")]


def test_the_wrapper_runs_the_pinned_image_with_the_spark_options(host) -> None:
    command = host.check_output("su - mluser -c 'nemo-run --print python3 -V'")
    for part in ("--rm", "--gpus all", "--ulimit=memlock=-1", "--ulimit=stack=67108864", "--ipc=host", REF,
                 "-v /srv/nemo/data:/workspace/data", "-v /usr/local/lib/nova-nemo:/opt/nova:ro", "python3 -V"):
        assert part in command, (part, command)
    assert "nemo" in host.user("mluser").groups


def test_the_team_directory_is_group_writable(host) -> None:
    for path in ("/srv/nemo", "/srv/nemo/data", "/srv/nemo/cache", "/srv/nemo/results"):
        directory = host.file(path)
        assert directory.is_directory and directory.user == "root" and directory.group == "nemo" and directory.mode == 0o2775, path


def test_the_validation_ran_in_the_image_and_its_failure_is_kept(host) -> None:
    with host.sudo():
        result = json.loads(host.file("/var/lib/nova-nemo/validation.json").content_string)
        assert host.file("/var/lib/nova-nemo/validation.json").mode == 0o600
    assert result["ok"] is False and "no NeMo" in result["error"] and result["image"] == REF and result["exit"] == 1
