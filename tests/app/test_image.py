"""The image, compose file and Procfile start every role through one entrypoint.

Docker cannot run here, so the entrypoint's role dispatch is run directly (dry run prints the
command instead of running it) and the Dockerfile and docker-compose.yml are read as data.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

from tests.app.conftest import ROOT, clean_env, run

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

ROLES = {
    "web": ["gunicorn", "app.wsgi:application", "-c", "app/gunicorn_conf.py"],
    "worker": ["celery", "-A", "app", "worker", "--loglevel", "INFO"],
    "relay": ["python", "manage.py", "events", "relay"],
    "beat": ["celery", "-A", "app", "beat", "--loglevel", "INFO", "--schedule"],
    "migrate": ["python", "manage.py", "migrate", "--noinput"],
}


def dry_run(*args: str, **env: str) -> list[str]:
    result = run(
        [str(ENTRYPOINT), *args], env=clean_env(SEAMS_ENTRYPOINT_DRY_RUN="1", **env), timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def exec_line(lines: list[str]) -> list[str]:
    assert lines[-1].startswith("exec: "), lines
    return shlex.split(lines[-1].removeprefix("exec: "))


def test_entrypoint_is_an_executable_posix_script():
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    assert run(["sh", "-n", str(ENTRYPOINT)], env=clean_env()).returncode == 0


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_execs_its_command(role):
    command = exec_line(dry_run(role))
    assert command[: len(ROLES[role])] == ROLES[role]


def test_no_role_means_web():
    assert exec_line(dry_run()) == ROLES["web"]


def test_arguments_after_the_role_go_to_its_command():
    assert exec_line(dry_run("worker", "-Q", "orders", "-c", "4"))[-4:] == [
        "-Q",
        "orders",
        "-c",
        "4",
    ]
    assert exec_line(dry_run("web", "--workers", "1"))[-2:] == ["--workers", "1"]


def test_all_in_one_migrates_then_serves_with_in_process_delivery_on_sqlite(tmp_path):
    lines = dry_run("all-in-one", SEAMS_DATA_DIR=str(tmp_path))
    assert lines[-2:] == [
        "run: python manage.py migrate --noinput",
        f"exec: {shlex.join(ROLES['web'])}",
    ]
    env_line = next(line for line in lines if line.startswith("env: "))
    assert f"DATABASE_URL=sqlite:///{tmp_path}/seams.sqlite3" in env_line
    assert "SEAMS_EVENT_TRANSPORT=embedded" in env_line
    assert "CELERY_TASK_ALWAYS_EAGER=true" in env_line
    assert not any("seed_demo" in line for line in lines)


def test_all_in_one_keeps_a_given_database_and_seeds_only_when_asked():
    lines = dry_run("all-in-one", DATABASE_URL="postgres://db/seams", SEAMS_SEED_DEMO="1")
    assert "DATABASE_URL=postgres://db/seams " in next(x for x in lines if x.startswith("env: "))
    assert lines[-3:] == [
        "run: python manage.py migrate --noinput",
        "run: python manage.py seed_demo",
        f"exec: {shlex.join(ROLES['web'])}",
    ]


def test_manage_runs_a_management_command():
    assert exec_line(dry_run("manage", "createsuperuser", "--noinput")) == [
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
    ]


def test_an_unknown_role_is_run_as_a_command():
    assert exec_line(dry_run("python", "-c", "print(1)")) == ["python", "-c", "print(1)"]
    # And for real, without the dry run: the process becomes the command.
    result = run([str(ENTRYPOINT), "echo", "hello from", "the image"], env=clean_env())
    assert result.returncode == 0
    assert result.stdout == "hello from the image\n"


def test_a_failing_step_stops_all_in_one(tmp_path):
    # With no python on PATH, migrate fails, and the web server must not start.
    env = clean_env(SEAMS_DATA_DIR=str(tmp_path), PATH="/usr/bin:/bin")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").write_text('#!/bin/sh\necho "python $*"; exit 3\n')
    (fake_bin / "python").chmod(0o755)
    (fake_bin / "gunicorn").write_text("#!/bin/sh\necho gunicorn started\n")
    (fake_bin / "gunicorn").chmod(0o755)
    env["PATH"] = f"{fake_bin}:/usr/bin:/bin"
    result = run([str(ENTRYPOINT), "all-in-one"], env=env)
    assert result.returncode == 3
    assert "python manage.py migrate --noinput" in result.stdout
    assert "gunicorn started" not in result.stdout


# --- Dockerfile --------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_is_multi_stage_on_slim_python():
    bases = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert len(bases) >= 2
    assert all(re.fullmatch(r"python:3\.1[12]-slim( AS \w+)?", base) for base in bases), bases


def test_dockerfile_installs_only_from_the_hashed_lock_file():
    instructions = dockerfile_instructions()
    installs = [
        rest for keyword, rest in instructions if keyword == "RUN" and "pip install" in rest
    ]
    assert installs, "the image installs dependencies"
    for command in installs:
        assert "--require-hashes" in command
        assert [Path(lock).name for lock in re.findall(r"-r (\S+)", command)] == [
            "requirements.lock"
        ], command
    assert not any("requirements-dev.lock" in rest for _, rest in instructions), (
        "the image installs the runtime lock only: test and lint tools stay out of it"
    )
    assert any(
        keyword == "COPY" and rest.split()[0] == "requirements.lock"
        for keyword, rest in instructions
    )


def test_dockerfile_runs_as_a_non_root_user_through_the_entrypoint():
    instructions = dockerfile_instructions()
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0", "0:0"}
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert all(keyword != "RUN" for keyword, _ in instructions[last_user:]), "USER comes last"
    [entrypoint] = [rest for keyword, rest in instructions if keyword == "ENTRYPOINT"]
    assert entrypoint == '["/app/docker/entrypoint.sh"]'
    assert ("WORKDIR", "/app") in instructions


def test_dockerfile_copies_only_files_that_exist_and_ignores_local_state():
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY" and not rest.startswith("--from"):
            source = rest.split()[0]
            assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "db.sqlite3"} <= set(ignored)


# --- docker-compose.yml and Procfile -----------------------------------------------------


def test_compose_wires_postgres_redis_and_each_role():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "relay", "beat"} <= set(services)
    for role in ("migrate", "web", "worker", "relay", "beat"):
        service = services[role]
        assert service["command"] == [role]
        assert service["build"] == "."
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("web", "worker", "relay", "beat"):
        assert services[role]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert "noeviction" in services["redis"]["command"]


def test_procfile_starts_each_role_through_the_entrypoint():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(processes) == {"web", "worker", "relay", "beat"}
    for name, command in processes.items():
        # honcho gives each process PORT (-p PORT, +100 per line): the worker's and the
        # relay's serve their metrics there (8100, 8200 beside the web's 8000), on the web's
        # HOST (loopback unless told otherwise: the ports carry no token)
        metrics = ["SEAMS_METRICS_PORT=$PORT", "SEAMS_METRICS_ADDR=${HOST:-127.0.0.1}"]
        served = metrics if name in {"worker", "relay"} else []
        assert shlex.split(command) == [*served, "docker/entrypoint.sh", name]


@pytest.mark.parametrize("target", ["up", "up-split"])
@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
def test_make_up_refuses_without_the_services(missing, target):
    env = clean_env(DATABASE_URL="postgres://x/y", REDIS_URL="redis://x:6379/0")
    del env[missing]
    result = run(["make", "--no-print-directory", target], env=env)
    assert result.returncode != 0
    assert f"make up: set {missing}" in result.stderr


def test_make_test_runs_every_ci_check_after_the_locked_install():
    result = run(["make", "--no-print-directory", "-n", "-B", "test"], env=clean_env())
    assert result.returncode == 0, result.stderr
    steps = result.stdout
    expected = [
        "--no-deps --require-hashes -r requirements.lock -r requirements-dev.lock",
        "pip check",
        "ruff check .",
        "lint-imports",
        "manage.py makemigrations --check",
        "manage.py check --fail-level WARNING",
        "bandit --quiet --recursive --severity-level high",
        "pytest",
    ]
    positions = [steps.find(step) for step in expected]
    assert -1 not in positions, dict(zip(expected, positions, strict=True))
    assert positions == sorted(positions)


def test_make_run_migrates_seeds_and_serves_on_host_and_port():
    result = run(
        ["make", "--no-print-directory", "-n", "-B", "run", "HOST=0.0.0.0", "PORT=9999"],
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "-m venv .venv" in result.stdout
    assert lines[-4:] == [
        ".venv/bin/python manage.py migrate --noinput",
        ".venv/bin/python manage.py seed_demo",
        ".venv/bin/python manage.py frontdoor http://0.0.0.0:9999",
        ".venv/bin/python manage.py runserver --noreload 0.0.0.0:9999",
    ]


@pytest.mark.tooling  # make seed, twice, on a database of its own: make test-tooling
def test_make_seed_fills_the_database_database_url_names(tmp_path):
    database = tmp_path / "seeded.sqlite3"
    env = clean_env(DATABASE_URL=f"sqlite:///{database}")
    for _ in range(2):  # idempotent: a second seed changes nothing and still succeeds
        result = run(["make", "--no-print-directory", "seed"], env=env, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Demo staff: staff@example.com / staff-pass-123" in result.stdout
    users = run(
        [sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
         ".execute('select count(*) from accounts_user').fetchone()[0])", str(database)],
        env=env,
    )  # fmt: skip
    assert users.stdout.strip() == "2"


def test_make_up_seeds_when_asked_between_migrate_and_the_roles():
    env = clean_env(DATABASE_URL="postgres://x/y", REDIS_URL="redis://x:6379/0")
    steps = run(["make", "--no-print-directory", "-n", "-B", "up"], env=env).stdout
    migrate, seed, roles = (
        steps.find(step) for step in ("migrate --noinput", '"$SEAMS_SEED_DEMO" = 1', "honcho")
    )
    assert -1 < migrate < seed < roles, steps
    assert "manage.py seed_demo" in steps[seed:roles]
