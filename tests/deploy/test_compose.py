"""docker-compose.yml: valid for Debian's docker-compose (v1.29, offline), and consistent with
the gateway template and the services."""

import importlib
import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices

from deploy.credentials import service_settings
from shared.settings import ServiceSettings, is_secret
from tests.deploy.gateway import PLACEHOLDERS, ROOT, SERVICE_PORTS

SERVICES = set(SERVICE_PORTS) | {
    "postgres",
    "rabbitmq",
    "minio",
    "minio-init",
    "credentials",
    "sealing-cert",
    "mailpit",
    "jaeger",
    "gateway",
}


def _compose(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail(
            "docker-compose is not installed; install Debian's package: "
            "apt-get update && apt-get install -y docker-compose"
        )
    return subprocess.run(
        [binary, "-f", "docker-compose.yml", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_compose_file_validates() -> None:
    result = _compose("config", "-q")
    assert result.returncode == 0, f"docker-compose config -q failed:\n{result.stderr}"


def test_compose_runs_the_whole_platform() -> None:
    result = _compose("config", "--services")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SERVICES


def test_compose_starts_each_service_with_its_own_command_and_port() -> None:
    result = _compose("config")
    assert result.returncode == 0, result.stderr
    config = result.stdout
    for name, port in SERVICE_PORTS.items():
        assert f"- services.{name}\n" in config, f"{name} has no `python -m services.{name}`"
        assert f"{name.upper()}_HTTP_PORT: '{port}'" in config
        assert f"{name.upper()}_HTTP_HOST: 0.0.0.0" in config
        assert f"http://127.0.0.1:{port}/readyz" in config
        assert f"/portal_{name}\n" in config, f"{name} has no DATABASE_URL of its own"


def test_compose_fills_every_gateway_placeholder() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    gateway = text[text.index("\n  gateway:\n") :]
    for name in PLACEHOLDERS:
        assert re.search(rf"^\s+{name}: \S+", gateway, re.MULTILINE), f"{name} is not set"


def env_file(service: str) -> dict[str, str]:
    return service_settings(ROOT / "deploy" / "compose", service)


@pytest.mark.parametrize("name", SERVICE_PORTS)
def test_each_service_reads_only_its_own_env_file(compose_services, name: str) -> None:  # type: ignore[no-untyped-def]
    environment = compose_services[name]["environment"]
    assert environment["DATABASE_URL"] == env_file(name)["DATABASE_URL"]
    others = set(service_settings(ROOT / "deploy" / "compose", "platform"))
    for other in set(SERVICE_PORTS) - {name}:
        others |= set(env_file(other)) - set(env_file(name))
    assert not others & set(environment), f"{name} gets others' secrets"


@pytest.mark.parametrize("name", SERVICE_PORTS)
def test_each_service_has_its_own_database_role_and_broker_user(name: str) -> None:
    """Its own login everywhere (made by `credentials`, deploy/credentials.py), and in its
    file nothing but those logins and its own secrets."""
    settings = env_file(name)
    database = urlsplit(settings["DATABASE_URL"])
    broker = urlsplit(settings["AMQP_URL"])
    assert (database.username, database.path) == (name, f"/portal_{name}")
    assert broker.username == name
    own = {"DATABASE_URL", "AMQP_URL"} | _secret_variables(_settings_class(name))
    assert set(settings) <= own, f"{name}.env holds others' settings: {set(settings) - own}"


def test_no_two_services_share_a_password() -> None:
    passwords = [
        urlsplit(env_file(name)[key]).password for name in SERVICE_PORTS
        for key in ("DATABASE_URL", "AMQP_URL")
    ]  # fmt: skip
    assert len(set(passwords)) == len(passwords)


def test_identity_documents_and_signing_have_s3_keys_of_their_own() -> None:
    keys = {env_file(name)["S3_ACCESS_KEY"] for name in ("identity", "documents", "signing")}
    assert len(keys) == 3


def test_credentials_and_minio_init_read_the_services_env_files(compose_services) -> None:  # type: ignore[no-untyped-def]
    for name in ("credentials", "minio-init"):
        (volume,) = compose_services[name]["volumes"]
        assert volume.startswith(f"{ROOT / 'deploy' / 'compose'}:/run/portal:ro")
    assert compose_services["credentials"]["command"][-1] == "/run/portal"
    for name in SERVICE_PORTS:
        assert compose_services[name]["depends_on"]["credentials"] == {
            "condition": "service_completed_successfully"
        }


def _settings_class(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{name}.settings")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and getattr(value, "service", None) == name
    ]
    assert len(classes) == 1, f"services.{name}.settings has no single settings class"
    return classes[0]


def _secret_variables(settings: type[ServiceSettings]) -> set[str]:
    """Environment names of the fields production refuses to take from their defaults."""
    return {
        settings.variable(name)
        for name, field in settings.model_fields.items()
        if is_secret(field) and field.default
    }


@pytest.mark.parametrize("name", SERVICE_PORTS)
def test_production_secrets_are_provided(name: str) -> None:
    """compose runs PORTAL_ENVIRONMENT=production, which refuses to start without every
    secret set explicitly."""
    settings = env_file(name)
    for variable in _secret_variables(_settings_class(name)):
        assert settings.get(variable), f"{name}: {variable} missing from deploy/compose/{name}.env"


@pytest.fixture(scope="module")
def compose_services() -> dict[str, dict]:  # type: ignore[type-arg]
    result = _compose("config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def _settings_from(monkeypatch, name: str, env: dict[str, object]) -> ServiceSettings:  # type: ignore[no-untyped-def]
    for variable, value in env.items():
        monkeypatch.setenv(variable, str(value))
    return _settings_class(name)()


@pytest.mark.parametrize("name", SERVICE_PORTS)
def test_compose_passes_the_production_checks(monkeypatch, compose_services, name: str) -> None:  # type: ignore[no-untyped-def]
    """compose runs production mode on its own development secrets (deploy/compose.env):
    none is a default, a guest login or a placeholder, so every service starts."""
    settings = _settings_from(monkeypatch, name, compose_services[name]["environment"])
    assert settings.environment == "production"


def test_signing_seals_with_a_certificate_made_for_the_stack() -> None:
    """compose runs production mode, where signing refuses to start without a real sealing
    certificate and key: a one-shot service makes them before signing starts."""
    result = _compose("config")
    assert result.returncode == 0, result.stderr
    config = result.stdout
    assert "services.signing.certificates" in config
    assert "SIGNING_SEALING_CERTIFICATE: /certs/sealing-cert.pem" in config
    assert "SIGNING_SEALING_KEY: /certs/sealing-key.pem" in config


def _shared_variables() -> set[str]:
    """Unprefixed names the services read (shared.settings.shared)."""
    names = set()
    for name in SERVICE_PORTS:
        for field in _settings_class(name).model_fields.values():
            if isinstance(field.validation_alias, AliasChoices):
                names.update(str(choice) for choice in field.validation_alias.choices)
    return names


def _block(text: str, start: str) -> set[str]:
    """The keys of the mapping that follows `start`, up to the first line outside it."""
    body = text[text.index(start) + len(start) :]
    keys = set()
    for line in body.splitlines():
        if not line.startswith("  "):
            break
        if match := re.match(r"^  ([A-Z][A-Z0-9_]+):", line):
            keys.add(match.group(1))
    return keys


def test_every_shared_variable_the_deployments_set_is_read_by_the_services() -> None:
    """A misspelt variable would be ignored in silence, leaving the development default."""
    known = _shared_variables()
    compose = _block((ROOT / "docker-compose.yml").read_text(), "x-portal-env: &portal-env\n")
    for source, names in (("docker-compose.yml", compose),):
        assert "S3_PUBLIC_URL" in names, source
        unread = {n for n in names - known if not n.startswith("OTEL_EXPORTER_OTLP_")}
        assert not unread, f"{source} sets what no service reads: {sorted(unread)}"


def test_the_gateway_starts_through_its_images_entrypoint(compose_services) -> None:  # type: ignore[no-untyped-def]
    """compose's `command` replaces only the image's CMD; an `entrypoint` would skip the step
    that renders the template. The image's own CMD reads the rendered config (test_k8s)."""
    gateway = compose_services["gateway"]
    assert "entrypoint" not in gateway
    assert "command" not in gateway
    assert gateway["read_only"] is True
    assert gateway["tmpfs"] == ["/run/gateway:uid=101,gid=101"]
