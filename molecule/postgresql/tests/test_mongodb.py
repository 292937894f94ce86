"""nova.dgx.mongodb on the scenario's database host, after converge and side_effect.yml.

mongod here is the STAND-IN from scripts/build-standin-repo (docs/testing.md): it parses and checks
mongod.conf like the real one and listens where the file says, but speaks no wire protocol. So
these tests prove the install, configuration, unit and firewall path; users and logins are proven
by the unit tests of nova.dgx.mongodb_users against the commands it sends.
"""

from __future__ import annotations

import os

import testinfra.utils.ansible_runner
import yaml

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("mongodb")


def test_packages_are_the_pinned_ones_and_held(host) -> None:
    with host.sudo():
        held = host.check_output("apt-mark showhold").split()
    for name, version in (("mongodb-org-server", "8.0.16"), ("mongodb-database-tools", "100.13.0"), ("mongodb-mongosh", "2.5.8")):
        assert host.package(name).version == version
        assert name in held


def test_the_repository_trusts_only_its_own_key(host) -> None:
    sources = host.file("/etc/apt/sources.list.d/nova-mongodb-org.sources").content_string
    assert "Suites: bookworm/mongodb-org/8.0" in sources
    assert "Signed-By: /etc/apt/keyrings/nova-mongodb-org.asc" in sources


def test_config_has_authorization_on_and_binds_loopback_and_the_overlay(host) -> None:
    config = yaml.safe_load(host.file("/etc/mongod.conf").content_string)
    assert config["security"]["authorization"] == "enabled"
    assert config["net"]["bindIp"] == "127.0.0.1,10.99.0.13"
    assert config["storage"]["wiredTiger"]["engineConfig"]["cacheSizeGB"] == 0.5


def test_mongod_listens_only_where_configured(host) -> None:
    assert host.socket("tcp://127.0.0.1:27017").is_listening
    assert host.socket("tcp://10.99.0.13:27017").is_listening
    assert not host.socket("tcp://0.0.0.0:27017").is_listening
    assert not host.socket("tcp://192.168.77.13:27017").is_listening


def test_the_unit_runs_sandboxed_as_mongodb(host) -> None:
    with host.sudo():
        shown = host.check_output("systemctl show mongod.service -p User -p ProtectSystem -p NoNewPrivileges -p PrivateTmp"
                                  " -p CapabilityBoundingSet -p ActiveState")
    props = dict(line.split("=", 1) for line in shown.splitlines())
    assert props == {"User": "mongodb", "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
                     "CapabilityBoundingSet": "", "ActiveState": "active"}
    pid = host.check_output("systemctl show mongod.service -p MainPID --value")
    assert host.check_output(f"ps -o user= -p {pid}").strip() == "mongodb"


def test_the_exporter_credentials_are_root_only_and_not_on_its_command_line(host) -> None:
    env = host.file("/etc/nova-mongodb-exporter/env")
    assert env.user == "root" and env.mode == 0o600
    with host.sudo():
        assert "MONGODB_PASSWORD=" in env.content_string
        cmdline = host.check_output("tr '\\0' ' ' < /proc/$(systemctl show nova-mongodb-exporter.service -p MainPID --value)/cmdline")
    assert "password" not in cmdline.lower()
    assert "--web.listen-address=10.99.0.13:9216" in cmdline
