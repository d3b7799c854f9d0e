"""docker-compose.yml describes a stack that can run: one reverse proxy publishing ports, two web replicas behind it,
and one environment shared by everything that runs our code.

Our machines have Docker's client but no Compose and no engine, so the structure is checked here; where
`docker compose` exists, its own validation runs too. tests/integration/test_proxy_stack.py runs the same
processes (and the same nginx rules) without containers.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
OUR_CODE = ("migrate", "web", "worker")
REQUIRED = {
    "SECRET_KEY": "compose-Zr2Lm7Wx4Kc9Vb1Nf6Ht0Gs5Ya8Eu2Io7Rl4Sm1Tn9QwXy",
    "ALLOWED_HOSTS": "chat.example.edu",
    "SITE_URL": "https://chat.example.edu",
}
REQUIRED["DASHBOARD_URL"] = "https://chat.example.edu/moderation/"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_only_the_proxy_publishes_ports(services):
    assert {name for name, service in services.items() if "ports" in service} == {"proxy"}
    assert services["web"]["deploy"]["replicas"] >= 2, "two web processes behind the proxy"


def test_web_worker_and_migrations_share_one_environment(services):
    environments = [services[name]["environment"] for name in OUR_CODE]
    assert all(environment == environments[0] for environment in environments)
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ONCALL_EMAILS", "ESCALATION_WEBHOOK_URL", "EMAIL_HOST"):
        assert name in environments[0], f"{name} is missing from the shared environment"


def test_the_proxy_balances_over_the_web_replicas_with_the_shared_rules(services):
    mounts = dict(volume.split(":")[:2] for volume in services["proxy"]["volumes"])
    for source in mounts:
        assert (REPO / source).exists() or source == "./deploy/certs", f"{source} is mounted but not in the repo"
    nginx_conf = (REPO / "deploy/nginx/nginx.conf").read_text()
    for shared in ("medpeer-http.conf", "medpeer-locations.conf"):
        assert f"/etc/nginx/{shared}" in mounts.values() and f"include /etc/nginx/{shared};" in nginx_conf
    [upstream] = re.findall(r"upstream medpeer_web \{\s*server ([\w.-]+):(\d+);", nginx_conf)
    web_command = services["web"]["command"]
    assert upstream == ("web", web_command[web_command.index("--port") + 1])
    assert "--proxy-headers" in web_command, "the server takes the client's address from the proxy"
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_web_healthcheck_addresses_an_allowed_host(services):
    """127.0.0.1 is not in a production ALLOWED_HOSTS: the check must send the site's own Host (run for real in
    tests/integration/test_proxy_stack.py)."""
    command = services["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"] and "ALLOWED_HOSTS" in command[3] and "/healthz" in command[3]


def test_docker_compose_accepts_the_file_where_it_exists():
    try:
        available = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        available = False
    if not available:
        pytest.skip("Docker Compose is not installed here; the structural tests above stand in for it")
    result = subprocess.run(
        shlex.split(f"docker compose -f {COMPOSE} config --quiet"),
        env={**os.environ, **REQUIRED},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


def compose_value(value: str) -> str:
    """Interpolate ``${NAME:-default}`` and ``${NAME:?error}`` as Compose would, with REQUIRED's example values."""

    def substitute(match: re.Match) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if name in REQUIRED:
            return REQUIRED[name]
        assert operator == ":-", f"{name} is required by docker-compose.yml: add an example value to REQUIRED"
        return rest

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", substitute, str(value))


def test_the_deploy_check_passes_with_the_compose_environment(services):
    environment = {name: compose_value(value) for name, value in services["web"]["environment"].items()}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "chatserver.settings", **environment},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
