"""Effective time sync after nova.dgx.timesync: what chronyc reports on each host."""

from __future__ import annotations

import os

import testinfra.utils.ansible_runner

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
testinfra_hosts = HOSTS


def _tracking(host) -> list[str]:
    return host.check_output("chronyc -c tracking").split(",")


def test_chrony_runs_without_touching_the_machine_clock(host) -> None:
    assert host.service("chrony").is_running and host.service("chrony").is_enabled
    assert "-x" in host.check_output("ps -o args= -C chronyd")


def test_server_serves_its_local_clock_to_the_fleet_only(host) -> None:
    if host.backend.get_hostname() != "ntp-server":
        return
    config = host.file("/etc/chrony/chrony.conf").content_string
    assert "local stratum 10" in config and "allow 172.16.0.0/12" in config
    tracking = _tracking(host)
    assert tracking[0] == "7F7F0101" and tracking[13] == "Normal"  # reference: the local clock
    with host.sudo():
        clients = host.check_output("chronyc -c clients")
    assert clients.strip(), "no client has queried the server"


def test_client_is_synchronised_to_the_server(host) -> None:
    if host.backend.get_hostname() != "ntp-client":
        return
    tracking = _tracking(host)
    server_address = host.check_output("getent hosts ntp-server").split()[0]
    assert tracking[1] == server_address
    assert tracking[2] == "11"  # one below the server's local stratum 10
    assert tracking[13] == "Normal"
    assert abs(float(tracking[4])) <= 0.05
    sources = host.check_output("chronyc -c -n sources")
    assert sources.startswith("^,*,"), sources  # the selected source


def test_config_only_lists_the_chosen_sources(host) -> None:
    config = host.file("/etc/chrony/chrony.conf").content_string
    assert "pool " not in config
    assert "2.debian.pool.ntp.org" not in config
