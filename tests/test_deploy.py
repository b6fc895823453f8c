"""Deployment files in deploy/ agree with the code and with each other. No Docker needed: nothing is built.

External tools (systemd-analyze, caddy, nginx, openssl) are used when installed and skipped otherwise.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CONFIG_SOURCE = ROOT / "bot" / "config.py"
ENV_EXAMPLE = DEPLOY / "bot.env.example"
UNIT = DEPLOY / "backup-bot.service"
DEFAULTS = Settings()
SETTING_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


# ---------------------------------------------------------------- helpers


def settings_read_by_config() -> set[str]:
    """Names bot/config.py reads: env.get("NAME") and helper calls like _int(env, "NAME", ...)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(CONFIG_SOURCE.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        is_env_get = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        is_helper = len(args) >= 2 and isinstance(args[0], ast.Name) and args[0].id == "env"
        name = _string(args[0]) if is_env_get and args else _string(args[1]) if is_helper else None
        if name:
            names.add(name)
    return names


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def env_example_settings() -> dict[str, str]:
    """Every NAME=value line of the example, commented out or not."""
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = SETTING_LINE.match(line.strip())
        if match:
            assert match[1] not in found, f"{match[1]} appears twice in {ENV_EXAMPLE.name}"
            found[match[1]] = match[2]
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [rest for kw, rest in dockerfile_instructions() if kw == keyword]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in dockerfile("ENV"):
        for item in shlex.split(rest):
            key, _, value = item.partition("=")
            env[key] = value
    return env


def healthcheck_argv() -> list[str]:
    (rest,) = dockerfile("HEALTHCHECK")
    _, _, command = rest.partition(" CMD ")
    argv: list[str] = json.loads(command)
    return argv


def dockerignore_sends(path: str) -> bool:
    """Whether the build context includes `path`, by .dockerignore's rules: the last matching pattern wins,
    `!` re-includes, and a pattern matching a directory matches everything in it."""

    def regex(pattern: str) -> re.Pattern[str]:
        out = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return re.compile(out + r"\Z")

    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    included = True
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = regex(line.removeprefix("!").strip("/"))
        if any(pattern.match(c) for c in candidates):
            included = negate
    return included


def unit_entries() -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> every value (systemd allows repeated keys such as Environment=)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, empty_lines_in_values=False)
    parser.read_string(UNIT.read_text(encoding="utf-8"))  # raises on a malformed file
    entries: dict[str, dict[str, list[str]]] = {}
    section = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            entries[section] = {}
            continue
        key, _, value = line.partition("=")
        entries[section].setdefault(key.strip(), []).append(value.strip())
    assert set(entries) == set(parser.sections())
    return entries


def seconds(duration: str) -> float:
    """'30s', '1m30s', '90' -> seconds (compose and systemd spell durations alike)."""
    if duration.strip().isdigit():
        return float(duration)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)", duration)
    assert parts, f"not a duration: {duration!r}"
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[unit] for n, unit in parts)


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def example_webhook_path() -> str:
    return urlsplit(env_example_settings()["WEBHOOK_URL"]).path


# ---------------------------------------------------------------- bot.env.example


def test_the_config_parser_finds_settings() -> None:
    # Guards the next test: an empty set on both sides would pass vacuously.
    assert {
        "TELEGRAM_BOT_TOKEN",
        "WEBHOOK_SECRET",
        "SESSION_TTL_HOURS",
        "HIDE_OPERATOR_NAMES",
    } <= settings_read_by_config()


def test_env_example_documents_exactly_the_settings_config_reads() -> None:
    documented = set(env_example_settings())
    read = settings_read_by_config()
    assert not read - documented, f"read by bot/config.py but missing from {ENV_EXAMPLE.name}"
    assert not documented - read, f"in {ENV_EXAMPLE.name} but never read by bot/config.py"


def test_every_setting_has_a_comment_line_above_it() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if SETTING_LINE.match(line.strip()):
            above = lines[n - 1].strip() if n else ""
            assert above.startswith("#") and not SETTING_LINE.match(above) and len(above) > 10, (
                f"line {n + 1}: {line.split('=')[0]} needs a one-line comment above it"
            )


def test_env_example_has_no_real_token() -> None:
    token = env_example_settings()["TELEGRAM_BOT_TOKEN"]
    # Real tokens are <bot id>:<35 characters of A-Z a-z 0-9 _ ->.
    assert not re.fullmatch(r"\d+:[A-Za-z0-9_-]{35}", token)


@pytest.mark.parametrize("uncomment", [False, True], ids=["as-shipped", "all-uncommented"])
def test_env_example_is_valid_configuration(tmp_path: Path, uncomment: bool) -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    if uncomment:
        text = re.sub(r"^#\s*([A-Z][A-Z0-9_]*=)", r"\1", text, flags=re.MULTILINE)
    env_file = tmp_path / "bot.env"
    env_file.write_text(text, encoding="utf-8")
    settings = Settings.from_env(environ={}, env_file=env_file)  # raises SettingsError when invalid
    assert settings.token
    assert (settings.webhook_url is not None) is uncomment


# ---------------------------------------------------------------- Dockerfile and .dockerignore


def test_dockerfile_base_and_install() -> None:
    (base,) = dockerfile("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", base)
    # with the ocr extra (screenshots are read in the image too)
    assert any(re.search(r"\bpip install '\.\[ocr\]'(\s|$)", run) for run in dockerfile("RUN"))


def test_dockerfile_runs_as_non_root() -> None:
    users = dockerfile("USER")
    assert users, "no USER: the bot would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_dockerfile_keeps_the_database_in_a_volume() -> None:
    volumes = [v for rest in dockerfile("VOLUME") for v in (json.loads(rest) if rest.startswith("[") else rest.split())]
    assert dockerfile_env()["BOT_DB"] == "/data/bot.sqlite3"
    assert "/data" in volumes


def test_dockerfile_cmd_runs_the_bot() -> None:
    assert [json.loads(rest) for rest in dockerfile("CMD")] == [["python", "-m", "bot", "run"]]


def test_dockerfile_copies_only_what_the_context_sends() -> None:
    sources = [src for rest in dockerfile("COPY") for src in shlex.split(rest)[:-1] if not src.startswith("--")]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), f"COPY {src}: not in the repository"
        assert dockerignore_sends(src), f"COPY {src}: excluded by .dockerignore"


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "bot/.env",
        "data/bot.sqlite3",
        "data/bot.sqlite3-wal",
        ".venv/bin/python",
        ".git/HEAD",
        "bot/__pycache__/cli.cpython-311.pyc",
        "tests/test_deploy.py",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert not dockerignore_sends(path)


@pytest.mark.parametrize(
    "path", ["pyproject.toml", "README.md", "bot/cli.py", "bot/engine/machine.py", "intents/storage.toml"]
)
def test_dockerignore_sends(path: str) -> None:
    assert dockerignore_sends(path)


def test_dockerfile_enables_the_health_endpoint() -> None:
    assert int(dockerfile_env()["HEALTH_PORT"]) > 0
    assert healthcheck_argv()[0] == "python"


class _Health(BaseHTTPRequestHandler):
    status = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[int, type[_Health]]]:
    handler = type("Handler", (_Health,), {"paths": [], "status": 200})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.server_address[1], handler
        server.shutdown()
        thread.join()


def run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, *healthcheck_argv()[1:]]  # the image's `python` is this one here
    return subprocess.run(
        argv, env={**os.environ, "HEALTH_PORT": str(port)}, capture_output=True, text=True, timeout=30, check=False
    )


def test_healthcheck_passes_when_healthz_answers(health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    result = run_healthcheck(port)
    assert result.returncode == 0, result.stderr
    assert handler.paths == ["/healthz"]


def test_healthcheck_fails_on_an_error_status(health_server: tuple[int, type[_Health]]) -> None:
    port, handler = health_server
    handler.status = 503
    assert run_healthcheck(port).returncode != 0


def test_healthcheck_fails_when_nothing_listens_or_health_is_off() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _Health) as server:
        free_port = server.server_address[1]  # closed on exit: nothing listens there afterwards
    assert run_healthcheck(free_port).returncode != 0
    result = run_healthcheck(0)
    assert result.returncode != 0
    assert "HEALTH_PORT" in result.stderr


# ---------------------------------------------------------------- compose.yaml


def test_compose_service_builds_from_the_repository() -> None:
    bot = compose()["services"]["bot"]
    context = (DEPLOY / bot["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / bot["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_compose_env_file_volume_and_restart() -> None:
    data = compose()
    bot = data["services"]["bot"]
    env_files = bot["env_file"] if isinstance(bot["env_file"], list) else [bot["env_file"]]
    assert env_files == ["bot.env"]
    mounts = dict(volume.split(":")[:2] for volume in bot["volumes"])
    assert set(mounts) <= set(data["volumes"]), "a mounted volume is not declared as a named volume"
    db = bot.get("environment", {}).get("BOT_DB") or dockerfile_env()["BOT_DB"]
    assert str(Path(db).parent) in mounts.values(), f"{db} is not on a volume"
    assert bot["restart"] == "unless-stopped"


def test_compose_gives_time_for_a_graceful_stop() -> None:
    bot = compose()["services"]["bot"]
    assert bot.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert seconds(bot["stop_grace_period"]) >= 10


def test_compose_publishes_the_webhook_port_on_localhost_only() -> None:
    bot = compose()["services"]["bot"]
    for port in bot.get("ports", []):
        parts = str(port).split(":")
        assert len(parts) == 3, f"{port}: bind the host side to 127.0.0.1"
        host_ip, host_port, container_port = parts
        assert host_ip == "127.0.0.1"
        assert int(host_port) == int(container_port) == DEFAULTS.webhook_port
        # 127.0.0.1 inside a container is unreachable from a published port.
        assert bot["environment"]["WEBHOOK_LISTEN"] == "0.0.0.0"


# ---------------------------------------------------------------- systemd unit

SANDBOXING = {"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes"}


def test_unit_has_the_sandboxing_keys() -> None:
    service = unit_entries()["Service"]
    for key, value in SANDBOXING.items():
        assert service.get(key, [None])[-1] == value, f"{key}={value} missing"
    dynamic = service.get("DynamicUser", ["no"])[-1] == "yes"
    assert dynamic or service.get("User", ["root"])[-1] not in ("root", "0")


def test_unit_keeps_the_database_in_its_state_directory() -> None:
    service = unit_entries()["Service"]
    (state,) = service["StateDirectory"]
    env = dict(item.split("=", 1) for line in service["Environment"] for item in shlex.split(line))
    assert Path(env["BOT_DB"]).parent == Path("/var/lib") / state
    assert service["EnvironmentFile"]


def test_unit_restarts_and_stops_gracefully() -> None:
    service = unit_entries()["Service"]
    assert service["Restart"] == ["on-failure"]
    assert service["KillSignal"] == ["SIGTERM"]
    assert seconds(service["TimeoutStopSec"][-1]) >= 10
    assert shlex.split(service["ExecStart"][-1])[1:] == ["-m", "bot", "run"]
    assert unit_entries()["Install"]["WantedBy"] == ["multi-user.target"]


@pytest.fixture
def verifiable_unit(tmp_path: Path) -> Path:
    """The unit with its interpreter pointed at this Python: verify checks that ExecStart exists, and
    /opt/backup-bot is only there on a real host."""
    text = UNIT.read_text(encoding="utf-8")
    interpreter = shlex.split(unit_entries()["Service"]["ExecStart"][-1])[0]
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(interpreter, sys.executable), encoding="utf-8")
    return copy


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_analyze_verify(verifiable_unit: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(verifiable_unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify exits 0 on an unknown key or a bad value, only warning: any output is a failure too.
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_security_exposure_is_low(verifiable_unit: Path) -> None:
    argv = ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(verifiable_unit)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if "offline" in result.stderr and result.returncode != 0:
        pytest.skip("this systemd-analyze has no --offline (systemd < 250)")
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match[1]) <= 2.0  # systemd calls < 2 "OK"; a missing sandboxing line raises it


# ---------------------------------------------------------------- reverse proxies


def test_proxies_forward_the_webhook_path_to_the_webhook_port() -> None:
    path = example_webhook_path()
    assert path and path != "/"
    target = f"127.0.0.1:{DEFAULTS.webhook_port}"
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert re.search(rf"handle {re.escape(path)}\s*\{{[^}}]*?(\{{[^}}]*\}}[^}}]*?)*reverse_proxy {target}\b", caddy), (
        "Caddyfile does not proxy the webhook path"
    )
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    location = re.search(rf"location = {re.escape(path)} \{{(.*?)\n    \}}", nginx, re.DOTALL)
    assert location and f"proxy_pass         http://{target};" in location[1]


@pytest.mark.parametrize("name", ["Caddyfile", "nginx.conf", "README.md"])
def test_the_secret_header_is_explained(name: str) -> None:
    assert "X-Telegram-Bot-Api-Secret-Token" in (DEPLOY / name).read_text(encoding="utf-8")


@pytest.mark.skipif(not shutil.which("caddy"), reason="caddy is not installed")
def test_caddy_validates_the_caddyfile(tmp_path: Path) -> None:
    # caddy keeps its storage under HOME/XDG dirs: point them at tmp_path so nothing is written elsewhere.
    env = {**os.environ, **{name: str(tmp_path) for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}}
    argv = ["caddy", "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl is not installed")
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    # A throwaway certificate stands in for certbot's, which exist only on the real host.
    openssl = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test",
        "-keyout",
        str(tmp_path / "key.pem"),
        "-out",
        str(tmp_path / "cert.pem"),
    ]
    subprocess.run(openssl, capture_output=True, check=True, timeout=60)
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- README


@pytest.mark.parametrize("name", sorted(p.name for p in DEPLOY.iterdir() if p.name != "README.md"))
def test_readme_explains_every_deploy_file(name: str) -> None:
    assert f"`{name}`" in (DEPLOY / "README.md").read_text(encoding="utf-8")


README_TOPICS = [
    "TELEGRAM_API_URL",
    "logOut",
    ".backup",
    "VACUUM INTO",
    "-wal",
    "integrity_check",
    "migrations",
    "python -m bot check",
    "systemctl enable",
]


@pytest.mark.parametrize("topic", README_TOPICS)
def test_readme_covers(topic: str) -> None:
    assert topic in (DEPLOY / "README.md").read_text(encoding="utf-8")
