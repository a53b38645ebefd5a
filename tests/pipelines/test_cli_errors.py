"""The CLI never prints a traceback: an unexpected error is one line with a log reference, exit code 1."""

from __future__ import annotations

import re
import stat

import pytest

from pipelines import cli
from pipelines.errors import LOG


@pytest.fixture(autouse=True)
def _restore_log():
    """main() points the error log at a file for the rest of the process; put the logger back after each test."""
    handlers, propagate = list(LOG.handlers), LOG.propagate
    yield
    for handler in set(LOG.handlers) - set(handlers):
        handler.close()
    LOG.handlers[:] = handlers
    LOG.propagate = propagate


def test_an_unexpected_error_prints_one_line_and_logs_the_traceback(tmp_path, monkeypatch, capsys, tiny_dir):
    import pipelines.ingest

    def broken(folder):
        raise TypeError(f"cannot cast quantity in {folder}/purchase_orders.csv")

    monkeypatch.setattr(pipelines.ingest, "read_and_validate", broken)
    monkeypatch.setenv("SUPPLIER_RISK_LOG_DIR", str(tmp_path / "logs"))
    rc = cli.main(["check", "--input", str(tiny_dir)])
    out, err = capsys.readouterr()
    assert rc == 1  # what an uncaught exception gave before: scripts that test the code keep working
    assert "Traceback" not in out + err and 'File "' not in out + err
    assert "error: check stopped by an unexpected TypeError: cannot cast quantity" in err
    reference = re.search(r"under reference ([0-9A-F]{8})", err)[1]
    log = tmp_path / "logs" / "errors.log"
    text = log.read_text(encoding="utf-8")
    # the full traceback is in the log, under the reference the user was given
    assert f"unexpected error in supplier-risk check (reference {reference})" in text
    assert "Traceback (most recent call last)" in text and "in broken" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_expected_outcomes_keep_their_exit_codes(tmp_path, monkeypatch, capsys, tiny_dir):
    monkeypatch.setenv("SUPPLIER_RISK_LOG_DIR", str(tmp_path / "logs"))
    assert cli.main(["check", "--input", str(tiny_dir)]) == 0
    (tiny_dir / "suppliers.csv").write_text("supplier_id,supplier_name\nS1,x\n", encoding="utf-8")
    assert cli.main(["check", "--input", str(tiny_dir)]) == 2  # a file that cannot be imported
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert not (tmp_path / "logs").exists()  # nothing unexpected happened, so nothing was logged


def test_a_demo_smaller_than_the_generator_writes_is_refused_as_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SUPPLIER_RISK_LOG_DIR", str(tmp_path / "logs"))
    assert cli.main(["demo", "--out", str(tmp_path / "d"), "--suppliers", "1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: a demo portfolio needs at least 2 suppliers and 1 year (--suppliers 1 --years 3)\n"
    assert not (tmp_path / "d").exists() and not (tmp_path / "logs").exists()
    assert cli.main(["demo", "--out", str(tmp_path / "d"), "--suppliers", "2", "--years", "1"]) == 0
    assert (tmp_path / "d" / "suppliers.csv").read_text(encoding="utf-8").count("\n") == 3  # header + 2


def test_an_interrupt_exits_130_without_a_traceback(monkeypatch, capsys, tiny_dir):
    import pipelines.ingest

    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipelines.ingest, "read_and_validate", interrupted)
    assert cli.main(["check", "--input", str(tiny_dir)]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_output_into_a_closed_pipe_stops_quietly():
    """`supplier-risk formats | head -1`: the reader closes the pipe; the command exits 141 (SIGPIPE, as a shell
    reports it) with nothing on stderr, not an 'unexpected BrokenPipeError' and a log entry."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)   # the reader has gone before the first line
    try:
        done = subprocess.run([sys.executable, "-c", "import sys; from pipelines.cli import main; "
                               "sys.exit(main(['formats']))"], stdout=write, stderr=subprocess.PIPE, text=True,
                              timeout=120, env={**os.environ, "SUPPLIER_RISK_LOG_DIR": os.devnull + "-none"})
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141, "")


def test_hash_password_prints_a_hash_the_dashboard_accepts(monkeypatch, capsys):
    import io

    from dashboard.passwords import verify_password

    monkeypatch.setattr("sys.stdin", io.StringIO("a long team password\n"))
    assert cli.main(["hash-password", "--stdin", "--user", "ana", "--role", "admin"]) == 0
    out, err = capsys.readouterr()
    digest = out.strip()
    assert digest.startswith("scrypt$") and "a long team password" not in out + err
    assert verify_password("a long team password", digest)
    assert f'[access.users.ana]\n# role = "admin"\n# password_hash = "{digest}"' in err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["hash-password", "--stdin"]) == 2
