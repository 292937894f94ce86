# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Input checks and value generation for the secrets layer (nova.dgx.vault and the secret entry
point). Every check runs on the controller before a host changes and names the field and the fix."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import secrets as _random
import string
import typing as t

# Shamir in OpenBao and Vault: at most 255 shares; a threshold of 1 needs shares of 1.
MAX_SHARES = 255
MIN_SECRET_LENGTH = 16
ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "alnum_symbols": string.ascii_letters + string.digits + "!#%+,-.:=@^_~",
    "hex": "0123456789abcdef",
}
KINDS = ("password", "wireguard_psk", "token_hex")
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_ARMOR = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----\s*\n(?:[A-Za-z-]+: .*\n)*\s*\n?"
    r"(?P<body>[A-Za-z0-9+/=\s]+?)(?:\n=[A-Za-z0-9+/]{4})?\s*-----END PGP PUBLIC KEY BLOCK-----",
    re.S,
)
# OpenPGP packet tags (RFC 9580 section 5): 6 public key, 5 secret key, 14 public subkey.
_PUBLIC_KEY, _SECRET_KEY, _PUBLIC_SUBKEY = 6, 5, 14


def _packet_tag(first: int) -> int | None:
    """The tag of an OpenPGP packet from its first octet (old or new format), else None."""
    if not first & 0x80:
        return None
    return first & 0x3F if first & 0x40 else (first >> 2) & 0x0F


def _packet_tags(raw: bytes) -> list[int]:
    """The tags of the OpenPGP packets in a binary key, in order (stops at anything malformed)."""
    tags, offset = [], 0
    while offset < len(raw):
        first = raw[offset]
        tag = _packet_tag(first)
        if tag is None:
            break
        if first & 0x40:  # new format: one, two or five length octets
            if offset + 1 >= len(raw):
                break
            octet = raw[offset + 1]
            if octet < 192:
                header, length = 2, octet
            elif octet < 224 and offset + 2 < len(raw):
                header, length = 3, ((octet - 192) << 8) + raw[offset + 2] + 192
            elif octet == 255 and offset + 5 < len(raw):
                header, length = 6, int.from_bytes(raw[offset + 2:offset + 6], "big")
            else:
                break
        else:  # old format: the length type in the low two bits
            size = {0: 1, 1: 2, 2: 4}.get(first & 0x03)
            if size is None or offset + size >= len(raw):
                break
            header, length = 1 + size, int.from_bytes(raw[offset + 1:offset + 1 + size], "big")
        tags.append(tag)
        offset += header + length
    return tags


def pgp_key_problem(text: str) -> str | None:
    """None for an OpenPGP public key (ASCII-armored, or base64 of the binary key as OpenBao takes
    it); otherwise what it is instead."""
    if "PRIVATE KEY BLOCK" in text:
        return "is a PGP private key: give the operator's public key (gpg --export --armor), never the private one"
    match = _ARMOR.search(text)
    body = match.group("body") if match else text
    try:
        raw = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return "is neither an ASCII-armored PGP public key nor base64 of one (gpg --export | base64 -w0)"
    tag = _packet_tag(raw[0]) if raw else None
    if tag == _SECRET_KEY:
        return "is a PGP private key: give the operator's public key (gpg --export --armor), never the private one"
    if tag != _PUBLIC_KEY:
        return "does not start with an OpenPGP public-key packet (gpg --export --armor makes one)"
    # OpenBao encrypts each share to an encryption subkey; without one, init fails after it has
    # already bootstrapped raft, and the server cannot be initialised again without wiping its data.
    if _PUBLIC_SUBKEY not in _packet_tags(raw):
        return ("has no encryption subkey (a sign-only key): OpenBao cannot encrypt a share to it; make the key with "
                "`gpg --quick-gen-key NAME default default` or add one with `gpg --quick-add-key FINGERPRINT default encr`")
    return None


def pgp_base64(text: str) -> str:
    """The base64 of the binary key, the form `bao operator init -pgp-keys` takes."""
    match = _ARMOR.search(text)
    return "".join((match.group("body") if match else text).split())


def init_errors(shares: t.Any, threshold: t.Any, pgp_keys: list[str], root_token_pgp_key: str | None,
                unencrypted_ok: bool, seal: str) -> list[str]:
    """Problems with the initialisation settings, each naming the variable and the fix."""
    errors: list[str] = []
    if isinstance(shares, bool) or not isinstance(shares, int) or not 1 <= shares <= MAX_SHARES:
        errors.append(f"vault_key_shares must be an integer from 1 to {MAX_SHARES}, not {shares!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        errors.append(f"vault_key_threshold must be a positive integer, not {threshold!r}")
    if not errors and threshold > shares:
        errors.append(f"vault_key_threshold ({threshold}) is greater than vault_key_shares ({shares}): "
                      "no set of shares could ever unseal; lower the threshold or add shares")
    if not errors and threshold == 1 and shares > 1:
        errors.append("vault_key_threshold 1 with several shares lets any one share holder unseal alone: set it to 2 or more")
    for index, key in enumerate(pgp_keys):
        problem = pgp_key_problem(key)
        if problem:
            errors.append(f"vault_pgp_keys[{index}] {problem}")
    if pgp_keys and not errors and len(pgp_keys) != shares:
        errors.append(f"vault_pgp_keys has {len(pgp_keys)} keys but vault_key_shares is {shares}: "
                      "give one operator public key per share (a key may repeat for an operator holding two)")
    if root_token_pgp_key:
        problem = pgp_key_problem(root_token_pgp_key)
        if problem:
            errors.append(f"vault_root_token_pgp_key {problem}")
    if seal == "shamir" and not pgp_keys and not unencrypted_ok:
        errors.append("vault_pgp_keys is empty: the unseal keys would reach the controller in clear. Give one operator "
                      "PGP public key per share, or set vault_init_unencrypted_keys: true to accept keys written, mode 0600, "
                      "only to the file named by vault_init_keys_file on the controller (see docs/runbooks/vault.md)")
    return errors


def san_errors(sans: list[str], listeners: list[str]) -> list[str]:
    """Every listener address must be in the server certificate's SANs (IP addresses as IP SANs)."""
    ips, names = set(), set()
    for san in sans:
        try:
            ips.add(ipaddress.ip_address(san))
        except ValueError:
            names.add(san.lower())
    errors = []
    for address in listeners:
        host = address.rsplit(":", 1)[0].strip("[]") if address.count(":") == 1 or address.startswith("[") else address
        try:
            missing = ipaddress.ip_address(host) not in ips
        except ValueError:
            missing = host.lower() not in names
        if missing:
            errors.append(f"vault_tls_sans misses the listener address {host}: clients would refuse the certificate; "
                          f"add {host} to vault_tls_sans")
    return errors


def path_errors(field: str, path: t.Any, mount: str) -> list[str]:
    """A secret's path: relative to the platform mount, segments of letters, digits, _ . -"""
    if not isinstance(path, str) or not path:
        return [f"{field} must be a path such as postgresql/app, not {path!r}"]
    if path.startswith("/") or path.split("/")[0] in (mount, "sys", "auth", "identity", "cubbyhole"):
        return [f"{field} {path!r} must be relative to the platform mount {mount!r} (write postgresql/app, not {mount}/postgresql/app)"]
    bad = [segment for segment in path.split("/") if not _SEGMENT.fullmatch(segment)]
    if bad:
        return [f"{field} {path!r} has a segment that is not letters, digits, _ . - ({bad[0]!r}); '..' and empty segments are refused"]
    return []


def policy_errors(field: str, policy: t.Any) -> list[str]:
    """A generation policy: {kind: password, length: >= 16, alphabet} | {kind: wireguard_psk} | {kind: token_hex, bytes: >= 16}."""
    if not isinstance(policy, dict):
        return [f"{field} must be a mapping such as {{kind: password, length: 32}}, not {policy!r}"]
    kind = policy.get("kind", "password")
    if kind not in KINDS:
        return [f"{field}.kind {kind!r} must be one of {', '.join(KINDS)}"]
    allowed = {"password": {"kind", "length", "alphabet"}, "wireguard_psk": {"kind"}, "token_hex": {"kind", "bytes"}}[kind]
    unknown = sorted(set(policy) - allowed)
    if unknown:
        return [f"{field} has {', '.join(unknown)}, which a {kind} does not take"]
    size_key = "length" if kind == "password" else "bytes"
    size = policy.get(size_key, 32)
    if kind != "wireguard_psk" and (isinstance(size, bool) or not isinstance(size, int) or size < MIN_SECRET_LENGTH or size > 4096):
        return [f"{field}.{size_key} must be an integer from {MIN_SECRET_LENGTH} to 4096, not {size!r}: shorter secrets are guessable"]
    if kind == "password" and policy.get("alphabet", "alnum") not in ALPHABETS:
        return [f"{field}.alphabet {policy.get('alphabet')!r} must be one of {', '.join(ALPHABETS)}"]
    return []


def generate(policy: dict[str, t.Any]) -> str:
    """A new value for a valid policy, from the operating system's CSPRNG."""
    kind = policy.get("kind", "password")
    if kind == "wireguard_psk":
        return base64.b64encode(_random.token_bytes(32)).decode()
    if kind == "token_hex":
        return _random.token_hex(int(policy.get("bytes", 32)))
    alphabet = ALPHABETS[policy.get("alphabet", "alnum")]
    return "".join(_random.choice(alphabet) for _position in range(int(policy.get("length", 32))))
