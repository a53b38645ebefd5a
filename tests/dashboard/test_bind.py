"""The dashboard listens on this machine only unless told otherwise (run.py dashboard and .streamlit/config.toml)."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp and tcp6 (Linux)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
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
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(SUPPLIER_RISK_DB=str(tiny_db), PORT=str(port))
    if how == "run.py":  # the command `python3 run.py dashboard` runs (after its setup steps)
        cmd = _run_py().dashboard_command([], env=env)[0]
        cmd[0:1] = [sys.executable, "-m", "streamlit"]
    else:  # a plain `streamlit run app.py` from the project folder: .streamlit/config.toml decides
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.3)
        addresses = _listening(port)
        assert addresses, "no listening socket found for the port"
        assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
