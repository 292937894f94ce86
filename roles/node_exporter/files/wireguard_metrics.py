# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each WireGuard peer's last handshake, for node_exporter's textfile collector (run as root by a timer).

  python3 wireguard_metrics.py OUTPUT.prom [CONFIG_DIR]

Peers are named by the comment nova.dgx.wireguard writes above each [Peer] (the peer's inventory
name); a peer without one is named by its public key. A handshake that never happened is 0.
The file is replaced atomically, so node_exporter never reads half of it; no interface, no file.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import tempfile

NAME = "nova_wireguard_latest_handshake_timestamp_seconds"


def peer_names(config: str) -> dict[str, str]:
    """Public key -> the name in the comment line that follows its [Peer] header."""
    names: dict[str, str] = {}
    for block in re.split(r"(?m)^\s*\[Peer\]\s*$", config)[1:]:
        key = re.search(r"(?m)^\s*PublicKey\s*=\s*(\S+)", block)
        comment = re.search(r"(?m)^\s*#\s*(\S+)", block)
        if key:
            names[key.group(1)] = comment.group(1) if comment else key.group(1)
    return names


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lines_for(interface: str, names: dict[str, str], handshakes: str) -> list[str]:
    lines = []
    for row in handshakes.splitlines():
        key, _tab, when = row.partition("\t")
        if key and when.strip().isdigit():
            lines.append(f'{NAME}{{interface="{escape(interface)}",peer="{escape(names.get(key, key))}"}} {int(when)}')
    return lines


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    output = pathlib.Path(argv[0])
    config_dir = pathlib.Path(argv[1] if len(argv) > 1 else "/etc/wireguard")
    lines: list[str] = []
    for config in sorted(config_dir.glob("*.conf")):
        shown = subprocess.run(["wg", "show", config.stem, "latest-handshakes"], capture_output=True, text=True, check=False)
        if shown.returncode == 0:
            lines += lines_for(config.stem, peer_names(config.read_text()), shown.stdout)
    if not lines:
        output.unlink(missing_ok=True)
        return 0
    text = (f"# HELP {NAME} Unix time of the last handshake with each WireGuard peer (0: never).\n"
            f"# TYPE {NAME} gauge\n" + "\n".join(lines) + "\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
