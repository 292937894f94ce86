from __future__ import annotations

import base64
import struct

import pytest

from ansible_collections.nova.dgx.plugins.plugin_utils._ssh_keys import public_key_error


def _field(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


# Field layouts of real keys (RFC 4253, RFC 5656, RFC 8709, OpenSSH PROTOCOL.u2f).
BODIES = {
    "ssh-ed25519": [b"\x01" * 32],
    "ssh-rsa": [b"\x01\x00\x01", b"\x00" + b"\xc5" * 256],
    "ecdsa-sha2-nistp256": [b"nistp256", b"\x04" + b"\x02" * 64],
    "sk-ssh-ed25519@openssh.com": [b"\x03" * 32, b"ssh:"],
    "sk-ecdsa-sha2-nistp256@openssh.com": [b"nistp256", b"\x04" + b"\x02" * 64, b"ssh:"],
}


def _key(key_type: str, fields: list[bytes] | None = None, declared: str | None = None) -> str:
    blob = _field(key_type.encode()) + b"".join(_field(f) for f in (BODIES[key_type] if fields is None else fields))
    return f"{declared or key_type} {base64.b64encode(blob).decode()} someone@example"


@pytest.mark.parametrize("key_type", sorted(BODIES))
def test_well_formed_keys_pass(key_type: str) -> None:
    assert public_key_error(_key(key_type)) is None


def test_a_real_openssh_key_passes() -> None:
    # Made by ssh-keygen -t ed25519; the private half was discarded.
    line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEufAr3CFlZnhNApZIW0GNwZv/huboaljOK4gi/Kp6hy ops@nova-lab"
    assert public_key_error(line) is None
    assert public_key_error(line[:60]) is not None


def test_comment_is_optional() -> None:
    assert public_key_error(" ".join(_key("ssh-ed25519").split()[:2])) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (42, "must be a string"),
        ("ssh-ed25519", "must look like"),
        ("", "must look like"),
        ("ssh-dss AAAAB3NzaC1kc3M= x", "unknown key type 'ssh-dss'"),
        ('from="10.0.0.1" ssh-ed25519 AAAA', "key options"),
        ("ssh-ed25519 not*base64", "not valid base64"),
        ("ssh-ed25519 AAA=", "truncated or malformed"),
    ],
)
def test_malformed_keys_are_explained(line: object, expected: str) -> None:
    error = public_key_error(line)
    assert error is not None and expected in error


def test_body_must_match_declared_type() -> None:
    error = public_key_error(_key("ecdsa-sha2-nistp256", declared="ssh-rsa"))
    assert error is not None and "does not match its declared type" in error


def test_short_ed25519_key() -> None:
    error = public_key_error(_key("ssh-ed25519", [b"\x01" * 31]))
    assert error is not None and "not 32 bytes" in error


def test_weak_rsa_key() -> None:
    error = public_key_error(_key("ssh-rsa", [b"\x01\x00\x01", b"\x00" + b"\xc5" * 128]))
    assert error is not None and "1024 bits" in error


def test_truncated_key_is_caught() -> None:
    line = _key("ssh-ed25519")
    key_type, blob = line.split()[:2]
    error = public_key_error(f"{key_type} {blob[:6]}")
    assert error is not None
