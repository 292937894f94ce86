"""Effective state after nova.dgx.users: what the host itself reports, not only files."""

from __future__ import annotations

import pytest

KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy"


def _group_exists(host, name: str) -> bool:
    return host.run(f"getent group {name}").rc == 0


@pytest.mark.parametrize(("name", "uid", "shell"), [("ops", 2001, "/bin/bash"), ("mluser", 2002, "/bin/sh"), ("legacy", 2050, "/bin/bash")])
def test_accounts_exist_as_declared(host, name: str, uid: int, shell: str) -> None:
    user = host.user(name)
    assert user.exists
    assert user.uid == uid
    assert user.shell == shell
    assert user.home == f"/home/{name}"
    assert host.file(user.home).is_directory


def test_supplementary_and_device_groups(host) -> None:
    assert host.group("mlops").gid == 3100
    ops = set(host.user("ops").groups)
    assert {"adm", "mlops"} <= ops
    # Device groups are joined exactly where they exist; this image has no docker group.
    for group in ("docker", "video", "render"):
        assert (group in ops) == _group_exists(host, group)
    assert "video" in ops  # the base image has video, so the rule above was exercised
    legacy = set(host.user("legacy").groups)
    assert not {"video", "render", "docker"} & legacy


@pytest.mark.parametrize("name", ["ops", "mluser", "legacy", "root"])
def test_passwords_are_locked(host, name: str) -> None:
    with host.sudo():
        shadow = host.check_output(f"getent shadow {name}").split(":")[1]
    assert shadow.startswith("!")


def test_keys_are_installed_with_safe_modes(host) -> None:
    keys = host.file("/home/ops/.ssh/authorized_keys")
    assert keys.user == "ops" and keys.mode == 0o600
    assert host.file("/home/ops/.ssh").mode == 0o700
    assert keys.content_string.strip() == f"ssh-ed25519 {KEY} ops@laptop"


def test_unlisted_keys_are_removed(host) -> None:
    content = host.file("/home/legacy/.ssh/authorized_keys").content_string
    assert "stray@elsewhere" not in content
    assert "legacy@laptop" in content


def test_retired_account_is_gone_with_its_home(host) -> None:
    assert not host.user("olduser").exists
    assert not host.file("/home/olduser").exists


def test_sudoers_drop_in_is_valid_and_private(host) -> None:
    rules = host.file("/etc/sudoers.d/90-nova-users")
    assert rules.user == "root" and rules.mode == 0o440
    with host.sudo():
        assert host.run("visudo -cf /etc/sudoers.d/90-nova-users").rc == 0


def test_sudo_grants_what_was_declared(host) -> None:
    with host.sudo():
        assert host.run("runuser -u ops -- sudo -n true").rc == 0
        mluser = host.run("runuser -u mluser -- sudo -n -l")
        legacy = host.run("runuser -u legacy -- sudo -n true")
    assert "NOPASSWD: /usr/bin/nvidia-smi, /usr/bin/systemctl status *" in mluser.stdout
    assert legacy.rc != 0
