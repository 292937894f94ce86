"""The WireGuard handshake textfile writer of nova.dgx.node_exporter (roles/node_exporter/files/wireguard_metrics.py)."""

from __future__ import annotations

import importlib.util
import os
import pathlib
import stat

ROOT = pathlib.Path(__file__).resolve().parents[3]
_SPEC = importlib.util.spec_from_file_location("wireguard_metrics", ROOT / "roles/node_exporter/files/wireguard_metrics.py")
assert _SPEC and _SPEC.loader
metrics = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(metrics)

CONFIG = """[Interface]
Address = 10.99.0.12/24
ListenPort = 51820

[Peer]
# dgx-spark-01
PublicKey = AAAAkeyOfTheDgxAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
AllowedIPs = 10.99.0.11/32

[Peer]
PublicKey = BBBBkeyWithoutANameBBBBBBBBBBBBBBBBBBBBBBBB=
AllowedIPs = 10.99.0.13/32
"""


def test_peers_are_named_by_their_comment_or_key() -> None:
    names = metrics.peer_names(CONFIG)
    assert names == {"AAAAkeyOfTheDgxAAAAAAAAAAAAAAAAAAAAAAAAAAAA=": "dgx-spark-01",
                     "BBBBkeyWithoutANameBBBBBBBBBBBBBBBBBBBBBBBB=": "BBBBkeyWithoutANameBBBBBBBBBBBBBBBBBBBBBBBB="}


def test_a_line_per_peer_and_zero_for_never(tmp_path: pathlib.Path) -> None:
    shown = "AAAAkeyOfTheDgxAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\t1764925200\nBBBBkeyWithoutANameBBBBBBBBBBBBBBBBBBBBBBBB=\t0\n"
    lines = metrics.lines_for("wg0", metrics.peer_names(CONFIG), shown)
    assert lines == ['nova_wireguard_latest_handshake_timestamp_seconds{interface="wg0",peer="dgx-spark-01"} 1764925200',
                     'nova_wireguard_latest_handshake_timestamp_seconds{interface="wg0",'
                     'peer="BBBBkeyWithoutANameBBBBBBBBBBBBBBBBBBBBBBBB="} 0']


def test_the_file_is_written_whole_and_readable_by_node_exporter(tmp_path: pathlib.Path, monkeypatch) -> None:
    (tmp_path / "wg0.conf").write_text(CONFIG)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "wg").write_text("#!/bin/sh\nprintf 'AAAAkeyOfTheDgxAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\t1764925200\\n'\n")
    (fake / "wg").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    output = tmp_path / "out" / "nova_wireguard.prom"
    output.parent.mkdir()
    assert metrics.main([str(output), str(tmp_path)]) == 0
    text = output.read_text()
    assert text.startswith("# HELP nova_wireguard_latest_handshake_timestamp_seconds")
    assert 'peer="dgx-spark-01"} 1764925200\n' in text
    assert stat.S_IMODE(output.stat().st_mode) == 0o644
    assert [p.name for p in output.parent.iterdir()] == ["nova_wireguard.prom"]  # no temporary file left
    (fake / "wg").write_text("#!/bin/sh\nexit 1\n")  # the interface went away: no stale file
    assert metrics.main([str(output), str(tmp_path)]) == 0
    assert not output.exists()
