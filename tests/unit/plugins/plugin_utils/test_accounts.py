"""users_accounts and the users role's other variables, through the one validation engine."""

from __future__ import annotations

import pytest

from ansible_collections.nova.dgx.plugins.filter.accounts import FilterModule
from ansible_collections.nova.dgx.plugins.plugin_utils._accounts import account_errors, settings_errors

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy ops@lab"


def test_filter_is_registered() -> None:
    assert FilterModule().filters()["account_errors"] is account_errors


def test_valid_accounts_have_no_errors() -> None:
    accounts = [
        {"name": "ops", "uid": 2001, "groups": ["adm"], "sudo": True, "authorized_keys": [KEY]},
        {"name": "ml-user", "device_groups": False, "sudo_commands": ["/usr/bin/nvidia-smi"]},
        {"name": "gone", "state": "absent", "remove_home": True},
    ]
    assert account_errors(accounts, "ansible") == []


def test_not_a_list() -> None:
    assert account_errors({"name": "ops"}) == ["users_accounts must be a list of accounts, got dict"]


@pytest.mark.parametrize(
    ("account", "fragments"),
    [
        ({"uid": 5}, ["users_accounts[0]", "field 'name' is missing"]),
        ({"name": "alice", "groups": "docker"}, ["(alice)", "field 'groups' must be a list", "groups: [docker]"]),
        ({"name": "alice", "state": "gone"}, ["(alice)", "field 'state' must be one of present, absent", "'gone'"]),
        ({"name": "alice", "authorized_keys": ["ssh-ed25519 AAAA"]}, ["(alice)", "field 'authorized_keys[0]'"]),
        ({"name": "alice", "uid": True}, ["(alice)", "field 'uid' must be a int"]),
        ({"name": "alice", "uid": 0}, ["(alice)", "field 'uid' must be a regular user id"]),
        ({"name": "Alice"}, ["(Alice)", "field 'name' must match"]),
        ({"name": "root"}, ["field 'name' is root"]),
        ({"name": "alice", "shell": "bash"}, ["(alice)", "field 'shell' must be an absolute path"]),
        ({"name": "alice", "sudo_commands": ["ALL, /bin/sh"]}, ["(alice)", "field 'sudo_commands[0]'"]),
        ({"name": "alice", "comment": "a:b"}, ["(alice)", "field 'comment'"]),
        ({"name": "alice", "groups": ["ok", "Bad Group"]}, ["(alice)", "field 'groups[1]'"]),
        ({"name": "alice", "colour": "red"}, ["(alice)", "unknown field 'colour'"]),
    ],
)
def test_each_error_names_account_and_field(account: dict, fragments: list[str]) -> None:
    errors = account_errors([account], "ansible")
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]


def test_the_connection_account_cannot_be_removed() -> None:
    errors = account_errors([{"name": "ansible", "state": "absent"}], "ansible")
    assert errors and "lock Ansible out" in errors[0]


def test_duplicates_are_reported_with_both_positions() -> None:
    errors = account_errors([{"name": "a", "uid": 2000}, {"name": "b", "uid": 2000}, {"name": "a"}])
    assert any("users_accounts[1] (b): field 'uid' 2000 is already used by a" in e for e in errors)
    assert any("users_accounts[2] (a): field 'name' repeats users_accounts[0]" in e for e in errors)


def test_every_error_is_collected_not_only_the_first() -> None:
    errors = account_errors([{"name": "a", "groups": "x"}, {"state": "absent"}, "b"])
    assert len(errors) == 3


def test_device_group_members_are_the_present_accounts_with_device_groups() -> None:
    from ansible_collections.nova.dgx.plugins.plugin_utils._accounts import device_group_members

    accounts = [{"name": "ops"}, {"name": "ml", "device_groups": True}, {"name": "bot", "device_groups": False},
                {"name": "gone", "state": "absent"}, {"name": "svc", "state": "present"}]
    assert device_group_members(accounts, "docker", ["docker", "video"]) == ["ops", "ml", "svc"]
    assert device_group_members(accounts, "docker", ["video"]) == []
    assert device_group_members("not a list", "docker", ["docker"]) == []


@pytest.mark.parametrize(
    ("account", "fragment"),
    [
        ({"name": "alice", "shell": "/bin/bash\n"}, "field 'shell' must be an absolute path"),
        ({"name": "alice", "groups": ["dev ops"]}, "field 'groups[0]' must match"),
        ({"name": "alice\n"}, "field 'name' must match"),
        ({"name": "alice", "comment": "a:" + "x" * 500}, "... (504 characters)"),
    ],
)
def test_values_are_checked_not_only_types(account: dict, fragment: str) -> None:
    errors = account_errors([account], "ansible")
    assert len(errors) == 1 and fragment in errors[0], errors


def test_role_settings_are_valid_by_default() -> None:
    assert settings_errors([{"name": "ml-team", "gid": 3000}], "/bin/bash", "/etc/sudoers.d/90-nova-users", ["docker", "video"]) == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (([{"name": "ml team"}], "/bin/bash", "/etc/sudoers.d/x", []), "users_groups[0]: field 'name' must match"),
        (("ml", "/bin/bash", "/etc/sudoers.d/x", []), "users_groups must be a list"),
        (([], "bash", "/etc/sudoers.d/x", []), "users_default_shell must be an absolute path such as /bin/bash, got str 'bash'"),
        (([], "/bin/bash", "/etc/sudoers/90-nova", []), "users_sudoers_file must be a file directly in /etc/sudoers.d"),
        (([], "/bin/bash", "/etc/sudoers.d/90-nova.conf", []), "without '.'"),
        (([], "/bin/bash", "/etc/sudoers.d/90-nova~", []), "sudo silently skips"),
        (([], "/bin/bash", "/etc/sudoers.d/x", "docker"), "users_device_groups must be a list"),
        (([], "/bin/bash", "/etc/sudoers.d/x", ["video group"]), "users_device_groups[0] must match"),
    ],
)
def test_role_settings_errors_name_the_variable_and_the_fix(args: tuple, fragment: str) -> None:
    errors = settings_errors(*args)
    assert len(errors) == 1 and fragment in errors[0], errors
