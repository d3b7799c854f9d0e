"""The secret in a personal calendar URL (/calendar/u/<secret>.ics) never reaches a log.

Daphne's own access log (on by default at verbosity 1) writes every request path to stdout outside Python
logging, so the documented commands turn it off; everything that goes through logging (runserver's access
log, Django's "Not Found" warnings) is redacted.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from daphne.cli import CommandLineInterface

REPO = Path(__file__).resolve().parents[2]
# Where we tell people (and machines) how to start the server.
RUN_FILES = ["Dockerfile", "docker-compose.yml", "Makefile", "README.md", "docs/operations.md", "scripts"]
SECRET = "pR1vAtE-CaLeNdAr_sEcReT-0123456789abcdefghij"


def daphne_command_lines() -> list[tuple[str, list[str]]]:
    """Every daphne invocation in the run files: (where, its arguments)."""
    found = []
    for name in RUN_FILES:
        paths = sorted((REPO / name).rglob("*")) if (REPO / name).is_dir() else [REPO / name]
        for path in paths:
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r'"daphne",[^\]]*\]', text):  # exec form: CMD ["daphne", "-b", ...]
                found.append((path.name, re.findall(r'"([^"]*)"', match.group())[1:]))
            for line in text.splitlines():
                words = line.strip().lstrip("$ ").split("#")[0]
                if words.startswith("daphne ") and ":application" in words:  # shell form, as in docs/operations.md
                    found.append((path.name, shlex.split(words)[1:]))
    return found


def uvicorn_command_lines() -> list[tuple[str, list[str]]]:
    """Every uvicorn invocation of chatserver.asgi in the run files: (where, its arguments)."""
    found = []
    for name in RUN_FILES:
        paths = sorted((REPO / name).rglob("*")) if (REPO / name).is_dir() else [REPO / name]
        for path in paths:
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r'"uvicorn",[^\]]*\]', text):
                found.append((path.name, re.findall(r'"([^"]*)"', match.group())[1:]))
            for line in text.splitlines():
                words = line.strip().lstrip("$ ").split("#")[0]
                if words.startswith("uvicorn ") and "chatserver.asgi:application" in words:
                    found.append((path.name, shlex.split(words)[1:]))
    return found


def test_every_documented_uvicorn_command_runs_without_the_access_log():
    commands = uvicorn_command_lines()
    assert {where for where, _ in commands} >= {"Dockerfile", "operations.md"}, "the commands were found"
    for where, args in commands:
        # Uvicorn's access log ("uvicorn.access") writes every request path; it is on unless turned off.
        assert "--no-access-log" in args and "--access-log" not in args, (
            f"{where}: `uvicorn {' '.join(args)}` writes an access log with every path, calendar secrets included"
        )


def test_every_documented_daphne_command_runs_without_the_access_log():
    commands = daphne_command_lines()
    assert {where for where, _ in commands} >= {"operations.md"}, "the commands were found"
    for where, args in commands:
        options = CommandLineInterface().parser.parse_args(args)
        # daphne.cli: the access log goes to --access-log if given, else to stdout when verbosity >= 1.
        assert options.access_log is None and options.verbosity == 0, (
            f"{where}: `daphne {' '.join(args)}` writes an access log with every path, calendar secrets included"
        )


def test_logged_request_paths_have_the_calendar_secret_redacted():
    """Log as runserver's access log and Django's 404 warning do, with the production logging config."""
    code = (
        "import django, logging; django.setup(); "
        f"path = '/calendar/u/{SECRET}.ics'; "
        "logging.getLogger('django.channels.server').info("
        "'HTTP %(method)s %(path)s %(status)s', {'method': 'GET', 'path': path, 'status': 200}); "
        "logging.getLogger('django.channels.server').warning('WebSocket CONNECT ' + path); "
        "logging.getLogger('django.request').warning('Not Found: %s', path)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "chatserver.settings",
        "SECRET_KEY": "log-tests-only-4Kd_Vm8Zq1Wx5Nb2Rc7Lp0Ht3Js6Gf9Ye-2Tu8",
        "ACCESS_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    logged = result.stdout + result.stderr
    assert logged.count("/calendar/u/") == 3, f"the three lines were logged:\n{logged}"
    assert SECRET not in logged and SECRET[:12] not in logged
