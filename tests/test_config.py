"""Settings read at start: numbers and flags checked once, the secret key, the public URL."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewapp.config import ConfigError, build_config, load_or_create_secret

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("env, value", [
    ("REVIEWAPP_REMEMBER_DAYS", "thirty"), ("REVIEWAPP_TRUSTED_PROXIES", "yes"),
    ("REVIEWAPP_SQLITE_BUSY_TIMEOUT_SECONDS", "abc"), ("REVIEWAPP_JOB_POLL_SECONDS", "abc"),
    ("REVIEWAPP_JOB_POLL_SECONDS", "0"), ("REVIEWAPP_IMPORT_MAX_UPLOAD_MB", "abc"),
    ("REVIEWAPP_IMPORT_WORKERS", "-1"), ("REVIEWAPP_MAIL_PORT", "smtp"),
    ("REVIEWAPP_JOB_LEASE_SECONDS", "nan"), ("REVIEWAPP_JOB_RETRY_MAX_SECONDS", "1e999"),
    ("REVIEWAPP_MAIL_TO_LOG", "maybe"),
])
def test_a_bad_number_or_flag_stops_the_start_naming_it(tmp_path, monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as raised:
        build_config(str(tmp_path), {"SECRET_KEY": "k"})
    assert env in str(raised.value) and repr(value) in str(raised.value)


def test_numbers_and_flags_are_converted_once(tmp_path, monkeypatch):
    for env, value in {"REVIEWAPP_JOB_POLL_SECONDS": " 2.5 ", "REVIEWAPP_TRUSTED_PROXIES": "1",
                       "REVIEWAPP_MAIL_PORT": "587", "REVIEWAPP_IMPORT_WORKERS": "0",
                       "REVIEWAPP_MAIL_TO_LOG": "off"}.items():
        monkeypatch.setenv(env, value)
    config = build_config(str(tmp_path), {"SECRET_KEY": "k"})
    assert (config["JOB_POLL_SECONDS"], config["TRUSTED_PROXIES"], config["MAIL_PORT"],
            config["IMPORT_WORKERS"], config["MAIL_TO_LOG"]) == (2.5, 1, 587, 0, False)
    assert config["IMPORT_MAX_UPLOAD_MB"] == 200 and config["SQLITE_BUSY_TIMEOUT_SECONDS"] == 30


def _start(path: str, barrier, keys) -> None:
    barrier.wait()
    try:
        keys.put(load_or_create_secret(Path(path)))
    except ConfigError as error:
        keys.put(f"<{error}>")


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_processes_starting_together_share_one_complete_secret_key(tmp_path):
    """gunicorn workers and the queue worker of a new instance start at once: one key for all."""
    context = multiprocessing.get_context("fork")
    for trial in range(5):
        path, barrier, keys = str(tmp_path / f"k{trial}" / "secret_key"), context.Barrier(6), context.Queue()
        processes = [context.Process(target=_start, args=(path, barrier, keys)) for _ in range(6)]
        for process in processes:
            process.start()
        got = [keys.get(timeout=30) for _ in processes]
        for process in processes:
            process.join()
        assert len(set(got)) == 1 and len(got[0]) == 64, (trial, got)
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert os.listdir(Path(path).parent) == ["secret_key"]  # no temporary file left


def test_a_start_while_the_key_is_being_written_reads_a_complete_key(tmp_path, monkeypatch):
    """Another process reading the key file at the worst moment (mid-write) gets the final key."""
    path, seen, fdopen = tmp_path / "secret_key", [], os.fdopen

    def another_process_starts(*args, **kwargs):
        monkeypatch.setattr(os, "fdopen", fdopen)
        seen.append(load_or_create_secret(path))
        return fdopen(*args, **kwargs)

    monkeypatch.setattr(os, "fdopen", another_process_starts)
    key = load_or_create_secret(path)
    assert seen == [key] and len(key) == 64 and path.read_text() == key


def test_an_empty_secret_key_file_is_refused_naming_it(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigError, match="secret_key is empty"):
        build_config(str(tmp_path), {})


def test_production_refuses_a_short_secret_key(tmp_path):
    from reviewapp.config import require_production_settings

    config = build_config(str(tmp_path), {"SECRET_KEY": "x", "BASE_URL": "https://review.example.org"})
    with pytest.raises(ConfigError, match="REVIEWAPP_SECRET_KEY"):
        require_production_settings(config, debug=False, testing=False)
    require_production_settings(config, debug=True, testing=False)
    require_production_settings({**config, "SECRET_KEY": "k" * 32}, debug=False, testing=False)


def test_an_upper_case_https_base_url_still_secures_the_cookies(tmp_path):
    config = build_config(str(tmp_path), {"BASE_URL": "HTTPS://Review.Example.org/"})
    assert config["BASE_URL"] == "https://review.example.org"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert "review.example.org" in config["TRUSTED_HOSTS"]


def reviewapp(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the `reviewapp` console script's main() from this checkout."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWAPP_", "FLASK_"))}
    environ.update(REVIEWAPP_INSTANCE=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-c", "from reviewapp.cli import main; main()", *args],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_says_a_bad_setting_in_one_line(tmp_path):
    missing = reviewapp(tmp_path, "jobs", "status")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    assert missing.stderr.strip().splitlines() == [missing.stderr.strip()]
    assert missing.stderr.startswith("Error: Set REVIEWAPP_BASE_URL")
    bad = reviewapp(tmp_path, "jobs", "status", REVIEWAPP_BASE_URL="http://127.0.0.1:5000",
                    REVIEWAPP_REMEMBER_DAYS="thirty")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
    assert "REVIEWAPP_REMEMBER_DAYS" in bad.stderr and "'thirty'" in bad.stderr


def test_help_without_a_base_url_says_what_is_missing(tmp_path):
    result = reviewapp(tmp_path, "--help")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "REVIEWAPP_BASE_URL" in result.stderr and "Commands:" in result.stdout
    configured = reviewapp(tmp_path, "--help", REVIEWAPP_BASE_URL="http://127.0.0.1:5000")
    assert {"import", "index", "search", "db"} <= set(configured.stdout.split())


@pytest.mark.parametrize("host, base", [("127.0.0.1", "http://127.0.0.1:5000"),
                                        ("0.0.0.0", "http://127.0.0.1:5000"),
                                        ("::", "http://127.0.0.1:5000")])
def test_make_run_builds_links_on_an_address_a_browser_can_use(host, base):
    """`make run HOST=0.0.0.0` listens everywhere; its base URL (and trusted host) stays usable."""
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-", f"HOST={host}", "show-base-url"],
        input="show-base-url: export REVIEWAPP_BASE_URL ?= http://$(PUBLIC_HOST):$(PORT)\n"
              "show-base-url:\n\t@echo $$REVIEWAPP_BASE_URL\n",
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "REVIEWAPP_BASE_URL"},
        capture_output=True, text=True, check=True)
    assert result.stdout.strip() == base
