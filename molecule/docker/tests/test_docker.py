"""nova.dgx.docker with Debian's docker.io: daemon.json merged, no TCP, group, a container runs."""

from __future__ import annotations

import json
import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")


def _daemon(host) -> dict:
    return json.loads(host.file("/etc/docker/daemon.json").content_string)


def test_daemon_json_keeps_other_settings_and_adds_ours(host) -> None:
    config = _daemon(host)
    assert config["debug"] is True
    assert config["log-opts"] == {"labels": "team", "max-size": "100m", "max-file": "3"}
    assert config["log-driver"] == "json-file" and config["live-restore"] is True
    assert config["default-address-pools"] == [{"base": "172.30.0.0/16", "size": 24}]
    assert config["storage-driver"] == "vfs"


def test_no_tcp_socket(host) -> None:
    assert "hosts" not in _daemon(host)  # only tcp://0.0.0.0:2375 was there; the unit's -H fd:// remains
    with host.sudo():
        assert "dockerd" not in host.check_output("ss -Hltnp")


def test_docker_runs_with_the_merged_settings(host) -> None:
    with host.sudo():
        info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LiveRestoreEnabled"] is True and info["LoggingDriver"] == "json-file" and info["Driver"] == "vfs"
    assert host.service("docker").is_enabled


def test_the_user_runs_a_container_without_sudo(host) -> None:
    out = host.check_output("su - mluser -c 'docker run --rm --network none nova-dgx/verify:1 /bin/sh -c \"echo hello\"'")
    assert out == "hello"
