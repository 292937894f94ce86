# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a host's own CA and a certificate it signed are what a role wants, read in one pass.

The role's community.crypto tasks (key, CSR, certificate, for the CA and then the server) stay the
way to create and renew them; this only answers "would any of them change anything?" so that a
converged host runs one module instead of seven. Every answer that is not a clear yes is a reason,
and a reason means the role runs its full chain, so a looser check here could only cost a no-op
its speed, never skip a needed change, as long as each wanted property below is checked."""

from __future__ import annotations

import datetime
import grp
import ipaddress
import os
import pwd
import typing as t

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # pragma: no cover - reported as a reason, the chain then runs
    x509 = None  # type: ignore[assignment]

__all__ = ["problems", "file_problems", "wanted_sans"]

EKU_NAMES = {"serverAuth": "SERVER_AUTH", "clientAuth": "CLIENT_AUTH"}


def file_problems(files: list[dict[str, t.Any]]) -> list[str]:
    """Each {path, owner, group, mode}: missing files and wrong owner, group or mode."""
    out = []
    for entry in files:
        path = str(entry["path"])
        try:
            info = os.stat(path)
        except FileNotFoundError:
            out.append(f"{path} is missing")
            continue
        owner = _name(pwd.getpwuid, info.st_uid)
        group = _name(grp.getgrgid, info.st_gid)
        if entry.get("owner") and owner != entry["owner"]:
            out.append(f"{path} is owned by {owner}, not {entry['owner']}")
        if entry.get("group") and group != entry["group"]:
            out.append(f"{path} has group {group}, not {entry['group']}")
        if entry.get("mode") and info.st_mode & 0o7777 != int(str(entry["mode"]), 8):
            out.append(f"{path} has mode {info.st_mode & 0o7777:04o}, not {entry['mode']}")
    return out


def _name(lookup: t.Callable[[int], t.Any], number: int) -> str:
    try:
        return str(lookup(number)[0])
    except KeyError:
        return str(number)


def wanted_sans(sans: list[str]) -> set[tuple[str, str]]:
    """subjectAltName entries as the role writes them (IP:<address>, DNS:<name>), normalised."""
    out = set()
    for san in sans:
        kind, _separator, value = str(san).partition(":")
        if kind == "IP":
            out.add(("IP", str(ipaddress.ip_address(value))))
        else:
            out.add((kind, value.lower()))
    return out


def problems(ca: dict[str, t.Any], server: dict[str, t.Any], now: datetime.datetime | None = None) -> list[str]:
    """Why the CA or the server certificate is not as wanted; [] when nothing would change.

    ca: {key, cert, common_name, curve}; server: {key, cert, common_name, curve, sans,
    extended_key_usage, renew_days}."""
    if x509 is None:
        return ["the Python cryptography library is missing on the host"]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    out: list[str] = []
    ca_key = _key(ca["key"], ca["curve"], out)
    ca_cert = _certificate(ca["cert"], out)
    if ca_key is not None and ca_cert is not None:
        out += _ca_problems(ca, ca_key, ca_cert, now)
    key = _key(server["key"], server["curve"], out)
    cert = _certificate(server["cert"], out)
    if key is not None and cert is not None:
        out += _server_problems(server, key, cert, ca_cert, now)
    return out


def _key(path: str, curve: str, out: list[str]) -> t.Any:
    try:
        with open(path, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
    except FileNotFoundError:
        out.append(f"{path} is missing")
        return None
    except (ValueError, TypeError) as exc:
        out.append(f"{path} is not an unencrypted PEM private key ({exc})")
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != curve:
        out.append(f"{path} is not an ECC key on {curve}")
        return None
    return key


def _certificate(path: str, out: list[str]) -> t.Any:
    try:
        with open(path, "rb") as handle:
            return x509.load_pem_x509_certificate(handle.read())
    except FileNotFoundError:
        out.append(f"{path} is missing")
    except ValueError as exc:
        out.append(f"{path} is not a PEM certificate ({exc})")
    return None


def _public(key: t.Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _common_name(cert: t.Any) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if len(names) == 1 and len(cert.subject) == 1 else repr(cert.subject.rfc4514_string())


def _not_after(cert: t.Any) -> datetime.datetime:
    """The end of validity, timezone-aware (cryptography < 42, as on Debian 12 and Ubuntu 24.04, has only the naive UTC one)."""
    aware = getattr(cert, "not_valid_after_utc", None)
    return aware if aware is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _extension(cert: t.Any, kind: t.Any) -> t.Any:
    try:
        return cert.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return None


def _identity_problems(wanted: dict[str, t.Any], key: t.Any, cert: t.Any) -> list[str]:
    """The certificate belongs to its key and names only the wanted common name (CA and server alike)."""
    out = []
    if _public(cert.public_key()) != _public(key.public_key()):
        out.append(f"{wanted['cert']} does not belong to {wanted['key']}")
    if _common_name(cert) != wanted["common_name"]:
        out.append(f"{wanted['cert']} names {_common_name(cert)}, not {wanted['common_name']}")
    return out


def _ca_problems(ca: dict[str, t.Any], key: t.Any, cert: t.Any, now: datetime.datetime) -> list[str]:
    where = ca["cert"]
    out = _identity_problems(ca, key, cert)
    if cert.issuer != cert.subject:
        out.append(f"{where} is not self-signed")
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is None or not constraints.critical or not constraints.value.ca or constraints.value.path_length != 0:
        out.append(f"{where} lacks the critical basic constraints CA:TRUE, pathlen:0")
    usage = _extension(cert, x509.KeyUsage)
    if (usage is None or not usage.critical or not usage.value.key_cert_sign or not usage.value.crl_sign
            or usage.value.digital_signature or usage.value.key_encipherment):
        out.append(f"{where} lacks the critical key usage keyCertSign, cRLSign (and only those)")
    if _not_after(cert) <= now:
        out.append(f"{where} expired on {_not_after(cert):%Y-%m-%d}")
    return out


def _server_problems(server: dict[str, t.Any], key: t.Any, cert: t.Any, ca_cert: t.Any, now: datetime.datetime) -> list[str]:
    where = server["cert"]
    out = _identity_problems(server, key, cert)
    if ca_cert is None or cert.issuer != ca_cert.subject:
        out.append(f"{where} was not issued by the CA")
    else:
        try:
            ca_cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        except (InvalidSignature, TypeError, ValueError):
            out.append(f"{where} is not signed by the CA's key")
    san = _extension(cert, x509.SubjectAlternativeName)
    have = set()
    if san is not None:
        have = {("DNS", str(name).lower()) for name in san.value.get_values_for_type(x509.DNSName)}
        have |= {("IP", str(address)) for address in san.value.get_values_for_type(x509.IPAddress)}
    if have != wanted_sans(server["sans"]):
        out.append(f"{where} has the names {sorted(have)}, not {sorted(wanted_sans(server['sans']))}")
    eku = _extension(cert, x509.ExtendedKeyUsage)
    wanted_eku = {getattr(ExtendedKeyUsageOID, EKU_NAMES[name]) for name in server["extended_key_usage"]}
    if eku is None or set(eku.value) != wanted_eku:
        out.append(f"{where} lacks the extended key usage {', '.join(server['extended_key_usage'])}")
    left = _not_after(cert) - now
    if left <= datetime.timedelta(days=int(server["renew_days"])):
        out.append(f"{where} expires on {_not_after(cert):%Y-%m-%d}, within {server['renew_days']} days: renew")
    return out
