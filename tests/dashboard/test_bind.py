"""The dashboard listens on this machine only unless told otherwise (run.py dashboard and .streamlit/config.toml)."""

from __future__ import annotations

import importlib.util
import ipaddress
import sys
from pathlib import Path

import pytest

from helpers import ServedApp, free_port

ROOT = Path(__file__).resolve().parents[2]


def _run_py():
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_py_binds_to_localhost_unless_the_environment_says_otherwise():
    run = _run_py()
    cmd, url = run.dashboard_command([], env={"PORT": "8600"})
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8600" and url == "http://localhost:8600"
    cmd, url = run.dashboard_command([], env={"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"})
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0" and url == "http://0.0.0.0:8501"


def _listening(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp and tcp6 (Linux)."""
    found = set()
    for table, _width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.split(":")
            if state != "0A" or int(local_port, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(raw)))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from /proc (Linux)")
@pytest.mark.parametrize("how", ["run.py", "streamlit run"])
def test_the_served_app_listens_on_loopback_only(tiny_db, tmp_path, how):
    port = free_port()
    cmd = None  # a plain `streamlit run app.py` from the project folder: .streamlit/config.toml decides
    if how == "run.py":  # the command `python3 run.py dashboard` runs (after its setup steps)
        cmd = _run_py().dashboard_command([], env={"PORT": str(port)})[0]
        cmd[0:1] = [sys.executable, "-m", "streamlit"]
    app = ServedApp(tiny_db, tmp_path / "server.log", cmd=cmd, port=port)
    try:
        app.wait()
        addresses = _listening(port)
        assert addresses, "no listening socket found for the port"
        assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
    finally:
        app.close()


def test_the_test_command_installs_a_chinese_font_only_when_none_is_there(monkeypatch, capsys):
    """Chinese supplier names in the browser test's screenshots: fonts-wqy-zenhei through apt when fc-list finds no
    Chinese font and we are root with apt; nothing when one is installed; a note when we cannot."""
    import subprocess
    from types import SimpleNamespace

    run = _run_py()
    calls: list[list[str]] = []
    fonts = {"out": ""}

    def fake_run(cmd, **kwargs):
        calls.append(list(cmd))
        return SimpleNamespace(stdout=fonts["out"] if cmd[0].endswith("fc-list") else "", returncode=0)

    monkeypatch.setattr(run.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(run, "_can_apt", lambda: True)
    run.ensure_cjk_font()
    assert calls == [["/usr/bin/fc-list", ":lang=zh"], ["apt-get", "install", "-y", "-qq", "fonts-wqy-zenhei"]]

    calls.clear()
    fonts["out"] = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc: WenQuanYi Zen Hei"
    run.ensure_cjk_font()
    assert calls == [["/usr/bin/fc-list", ":lang=zh"]]

    calls.clear()
    fonts["out"] = ""
    monkeypatch.setattr(run, "_can_apt", lambda: False)
    run.ensure_cjk_font()
    assert calls == [["/usr/bin/fc-list", ":lang=zh"]] and "no Chinese font installed" in capsys.readouterr().out
