"""Effective SSH policy after nova.dgx.ssh_hardening: `sshd -T`, and real login attempts."""

from __future__ import annotations

import pytest

SSH = "ssh -n -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5"


def _sshd(host) -> dict[str, str]:
    with host.sudo():
        lines = host.check_output("sshd -T").splitlines()
    return dict(line.split(" ", 1) for line in lines if " " in line)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("passwordauthentication", "no"),
        ("kbdinteractiveauthentication", "no"),
        ("permitrootlogin", "no"),
        ("authenticationmethods", "publickey"),
        ("x11forwarding", "no"),
        ("allowtcpforwarding", "local"),
        ("maxauthtries", "3"),
    ],
)
def test_effective_setting(host, key: str, value: str) -> None:
    assert _sshd(host)[key].split()[0] == value


def test_only_the_allowed_groups(host) -> None:
    with host.sudo():
        lines = host.check_output("sshd -T").splitlines()
    assert [ln.split(" ", 1)[1] for ln in lines if ln.startswith("allowgroups ")] == ["ssh-users", "sudo"]


def test_only_strong_algorithms_supported_by_this_openssh(host) -> None:
    sshd = _sshd(host)
    supported = set(host.check_output("ssh -Q cipher").split())
    ciphers = sshd["ciphers"].split(",")
    assert ciphers[0] == "chacha20-poly1305@openssh.com" and set(ciphers) <= supported
    assert not [c for c in ciphers if c.endswith("-cbc")]
    assert "sntrup761x25519-sha512@openssh.com" in sshd["kexalgorithms"]
    assert "mlkem768x25519-sha256" not in sshd["kexalgorithms"]  # OpenSSH 9.2 does not have it
    assert not [m for m in sshd["macs"].split(",") if "sha1" in m or "md5" in m]


def test_member_of_an_allowed_group_logs_in_with_a_key(host) -> None:
    with host.sudo():
        result = host.run(f"{SSH} -i /root/test-alice alice@127.0.0.1 id -un")
    assert result.rc == 0 and result.stdout.strip() == "alice", result.stderr


def test_account_outside_the_allowed_groups_is_refused(host) -> None:
    with host.sudo():
        result = host.run(f"{SSH} -i /root/test-bob bob@127.0.0.1 true")
    assert result.rc == 255 and "Permission denied" in result.stderr


def test_root_is_refused_even_with_a_key(host) -> None:
    with host.sudo():
        result = host.run(f"{SSH} -i /root/test-root root@127.0.0.1 true")
    assert result.rc == 255 and "Permission denied" in result.stderr


def test_passwords_are_not_even_offered(host) -> None:
    with host.sudo():
        result = host.run(f"{SSH} -o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no alice@127.0.0.1 true")
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


def test_dropin_is_private_and_read_first(host) -> None:
    dropin = host.file("/etc/ssh/sshd_config.d/00-nova-hardening.conf")
    assert dropin.mode == 0o600 and dropin.user == "root"
    first = [ln for ln in host.file("/etc/ssh/sshd_config").content_string.splitlines() if ln and not ln.startswith("#")][0]
    assert first == "Include /etc/ssh/sshd_config.d/*.conf"
