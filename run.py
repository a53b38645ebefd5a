#!/usr/bin/env python3
"""One-command setup: `python3 run.py dashboard` or `python3 run.py test`.

Creates `.venv`, installs the project (and test extras), then launches the dashboard on the bundled demo
portfolio or runs the whole test suite. Only the Python standard library is used here, so it runs on a fresh
machine with nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def sh(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


CONSTRAINTS = ROOT / "constraints.txt"  # the library versions the test suite last passed with


def ensure_env(extras: str = "") -> None:
    """Create the virtual environment and install the project, at the versions of constraints.txt, once per
    pyproject.toml and constraints.txt."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11+ is required (this is {sys.version.split()[0]})")
    if not PY.exists():
        sh(sys.executable, "-m", "venv", VENV)
    pinned = CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pinned + extras.encode()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        sh(PY, "-m", "pip", "install", "--quiet", "-e", f".{extras}",
           *(["-c", CONSTRAINTS] if CONSTRAINTS.exists() else []))
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()


def _can_apt() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def ensure_chromium() -> None:
    """The browser test drives Debian's chromium; install it when we can (root with apt), else it is skipped."""
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        if _can_apt():
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            sh("apt-get", "update", "-qq", env=env)
            sh("apt-get", "install", "-y", "-qq", "chromium", env=env)
        else:
            print("note: chromium not found and cannot be installed here; the browser test will be skipped")
            return
    ensure_cjk_font()


def ensure_cjk_font() -> None:
    """Supplier names in Chinese script are drawn by the browser: without a CJK font a headless Chromium shows them
    as empty boxes in the screenshots the browser test saves (a founder's own browser has one). Debian's
    fonts-wqy-zenhei when none is installed and we can (root with apt); a screenshot with boxes otherwise."""
    fc_list = shutil.which("fc-list")
    if fc_list is None or subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip():
        return
    if not _can_apt():
        print("note: no Chinese font installed; Chinese names show as boxes in the browser test's screenshots")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "fonts-wqy-zenhei"]
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
            print("note: fonts-wqy-zenhei could not be installed; Chinese names show as boxes in screenshots")


def dashboard_command(args: list[str], env: dict[str, str] | None = None) -> tuple[list[str], str]:
    """The streamlit command line and the URL it serves.

    It listens on 127.0.0.1 (this machine only) unless STREAMLIT_SERVER_ADDRESS says otherwise; share it with a
    team only with a login configured (docs/security.md)."""
    env = os.environ if env is None else env
    port = env.get("PORT", "8501")
    address = env.get("STREAMLIT_SERVER_ADDRESS", "").strip() or "127.0.0.1"
    cmd = [str(BIN / "streamlit"), "run", str(ROOT / "app.py"), "--server.port", port,
           "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false", *args]
    host = "localhost" if address in ("127.0.0.1", "::1", "localhost") else address
    return cmd, f"http://{host}:{port}"


def dashboard(args: list[str]) -> int:
    ensure_env()
    sh(BIN / "supplier-risk", "demo-warehouse")
    cmd, url = dashboard_command(args)
    print(f"dashboard on {url}", flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def test(args: list[str]) -> int:
    ensure_env("[test]")
    ensure_chromium()
    if not any(a == "-n" or a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args):
        # one pytest worker per core, up to 4 (the demo warehouse is built once and shared through a lock)
        args = ["-n", str(max(1, min(os.cpu_count() or 1, 4))), *args]
    if not any(a.startswith("--durations") for a in args):
        args = ["--durations=15", *args]  # the slowest tests, printed at the end: where the suite's time goes
    return subprocess.call([str(PY), "-m", "pytest", *args], cwd=ROOT)


def main() -> int:
    commands = {"dashboard": dashboard, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
