"""deploy/k8s: both overlays render, every object passes the Kubernetes schemas (KEDA's from
deploy/k8s/schemas), and what the manifests mean holds: the gateway starts through its image's
entrypoint, every service gets every setting it needs and only its own secrets, migrations
are a Job the pods wait for, autoscalers own the replica counts, one PDB per workload, and
only the gateway reaches the services."""

import importlib
import json
import re
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
from jsonschema import Draft202012Validator
from pydantic import AliasChoices, ValidationError
from referencing import Registry, Resource

from shared.bus import BusNames
from shared.settings import SERVICE_PORTS, ServiceSettings, is_secret
from tests.deploy.gateway import PLACEHOLDERS, free_port, nginx_binary
from tests.deploy.k8s import (
    K8S,
    OVERLAYS,
    Object,
    container,
    environment,
    gateway_image,
    objects,
    one,
    pod_spec,
    rendered,
    started_process,
)

KUBERNETES = "1.30"
HTTP_HEAVY = ("identity", "documents", "gateway")
CONSUMERS = ("notify", "signing", "billing")
SERVICES = tuple(SERVICE_PORTS)
WORKLOADS = (*SERVICES, "gateway")


def _settings_class(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{name}.settings")
    return getattr(module, f"{name.capitalize()}Settings")


def _keda_validator(kind: str) -> Draft202012Validator:
    schemas = json.loads((K8S / "schemas" / "keda.json").read_text())
    folder = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    definitions = json.loads(
        (folder / f"v{KUBERNETES}.0-local-strict" / "_definitions.json").read_text()
    )
    registry = Registry().with_resource(definitions["$id"], Resource.from_contents(definitions))
    return Draft202012Validator(schemas[kind], registry=registry)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_passes_its_schema(overlay: str) -> None:
    """Strict: a misspelt or misplaced field fails, as `kubectl apply --validate` would."""
    kinds = set()
    for item in rendered(overlay):
        kinds.add(item["kind"])
        name = f"{item['kind']}/{item['metadata']['name']}"
        if item["apiVersion"].startswith("keda.sh/"):
            errors = list(_keda_validator(item["kind"]).iter_errors(item))
            assert not errors, f"{name}: {errors[0].message} at {list(errors[0].path)}"
            continue
        try:
            kubernetes_validate.validate(item, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {error.message} at {list(error.path)}")
    assert {"Deployment", "Job", "PodDisruptionBudget", "NetworkPolicy", "ScaledObject"} <= kinds


def test_the_keda_schema_refuses_what_keda_would() -> None:
    scaled = one("prod", "ScaledObject", "notify")
    validator = _keda_validator("ScaledObject")
    assert validator.is_valid(scaled)
    misspelt = {**scaled, "spec": {**scaled["spec"], "maxReplicas": 3}}
    assert not validator.is_valid(misspelt)
    bad_trigger = {**scaled["spec"]["triggers"][0], "metadata": {"queueName": "q"}}
    assert not validator.is_valid({**scaled, "spec": {**scaled["spec"], "triggers": [bad_trigger]}})


# The gateway: it must start the way its image renders the template.


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_starts_through_the_image_entrypoint(overlay: str) -> None:
    """`command:` replaces the nginx image's entrypoint, which is what renders the template:
    nginx then starts on the image's stock config. The process must be the entrypoint, handed
    nginx with the config the entrypoint writes."""
    nginx = container(one(overlay, "Deployment", "gateway"))
    argv = started_process(nginx.get("command"), nginx.get("args"))
    assert argv[:2] == ["/docker-entrypoint.sh", "nginx"], argv
    env = gateway_image()[1] | environment(overlay, nginx)
    output = env["NGINX_ENVSUBST_OUTPUT_DIR"]
    assert argv[argv.index("-c") + 1] == f"{output}/nginx.conf"
    assert argv[argv.index("-p") + 1].rstrip("/") == output
    mounts = {m["mountPath"] for m in nginx["volumeMounts"]}
    assert output in mounts, "the rendered config and nginx's prefix must be writable"


def _render_like_the_entrypoint(env: dict[str, str]) -> str:
    """What the image's 20-envsubst-on-templates.sh writes: envsubst of only the variables
    whose names match NGINX_ENVSUBST_FILTER."""
    names = [n for n in env if re.search(env.get("NGINX_ENVSUBST_FILTER", ""), n)]
    template = (K8S.parents[1] / "deploy" / "gateway" / "nginx.conf.template").read_text()
    result = subprocess.run(
        ["envsubst", " ".join(f"${{{n}}}" for n in names)],
        input=template,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nginx_accepts_the_gateway_config_the_pod_renders(overlay: str, tmp_path: Path) -> None:
    nginx = container(one(overlay, "Deployment", "gateway"))
    env = gateway_image()[1] | environment(overlay, nginx)
    assert set(env) >= PLACEHOLDERS, f"unset: {PLACEHOLDERS - set(env)}"
    config = _render_like_the_entrypoint(env)
    assert "${" not in config
    # Resolvable here: the upstreams' cluster names become loopback; everything else is as set.
    local = _render_like_the_entrypoint(
        env
        | {k: "127.0.0.1:1" for k in env if k.endswith("_UPSTREAM")}
        | {"GATEWAY_PORT": str(free_port()), "WEB_ROOT": str(tmp_path)}
    )
    (tmp_path / "nginx.conf").write_text(local)
    result = subprocess.run(
        [
            nginx_binary(),
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            "error.log",
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_runs_unprivileged_on_a_read_only_root(overlay: str) -> None:
    gateway = one(overlay, "Deployment", "gateway")
    assert pod_spec(gateway)["securityContext"]["runAsNonRoot"] is True
    security = container(gateway)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]


def test_hsts_is_sent_in_production_only() -> None:
    assert one("prod", "ConfigMap", "gateway-settings")["data"]["GATEWAY_HSTS"].startswith(
        "max-age="
    )
    assert one("dev", "ConfigMap", "gateway-settings")["data"]["GATEWAY_HSTS"] == ""


# The services' settings.


def _replaced(env: dict[str, str]) -> dict[str, str]:
    return {k: v.replace("REPLACE-ME", "k7Qz9fX2") for k, v in env.items()}


def _settings(monkeypatch: pytest.MonkeyPatch, name: str, env: dict[str, str]) -> ServiceSettings:
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    return _settings_class(name)()


# Secrets that are off unless set.
_OPTIONAL = {"SIGNING_SEALING_KEY_PASSWORD", "SIGNING_PKCS11_PIN", "NOTIFY_SMTP_PASSWORD"}

# Settings whose development defaults may stay: they name no machine.
_LOCAL = re.compile(r"127\.0\.0\.1|localhost|::1")


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_every_setting_a_service_needs_is_set(monkeypatch, overlay: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """With the examples replaced, production mode accepts the pod's environment, and no
    setting is left on a development default that points at the developer's machine (as
    notify's SMTP host once was)."""
    deployment = one(overlay, "Deployment", name)
    settings = _settings(monkeypatch, name, _replaced(environment(overlay, container(deployment))))
    assert settings.environment == "production"
    local = {
        field: value
        for field, value in settings.model_dump().items()
        if isinstance(value, str) and _LOCAL.search(value) and field != "trusted_proxies"
    }
    assert not local, f"{name} would reach the developer's machine: {local}"
    assert settings.http_host == "0.0.0.0"
    assert settings.port == SERVICE_PORTS[name]
    assert settings.migrate_at_start is False


@pytest.mark.parametrize("name", SERVICES)
def test_the_example_secrets_are_refused_until_replaced(monkeypatch, name: str) -> None:  # type: ignore[no-untyped-def]
    env = environment("prod", container(one("prod", "Deployment", name)))
    with pytest.raises(ValidationError, match="holds the placeholder 'REPLACE-ME'"):
        _settings(monkeypatch, name, env)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_gets_only_its_own_secrets(name: str) -> None:
    """Its pods read one Secret, its own, which holds its own login and keys and nothing else
    (platform-admin and the other services' never reach it)."""
    spec = container(one("prod", "Deployment", name))
    secrets = [s["secretRef"]["name"] for s in spec["envFrom"] if "secretRef" in s]
    assert secrets == [f"{name}-secrets"]
    assert not [e for e in spec.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    held = set(one("prod", "Secret", f"{name}-secrets")["stringData"])
    settings = _settings_class(name)
    read = {settings.variable(field) for field in settings.model_fields}
    assert held <= read, f"{name}-secrets holds what {name} does not read: {held - read}"
    secrets = {settings.variable(f) for f, info in settings.model_fields.items() if is_secret(info)}
    assert secrets - _OPTIONAL <= held, f"{name}-secrets lacks {secrets - _OPTIONAL - held}"
    database = one("prod", "Secret", f"{name}-secrets")["stringData"]["DATABASE_URL"]
    assert re.match(rf"postgresql://{name}:[^@]+@[^/]+/portal_{name}$", database)
    assert one("prod", "Secret", f"{name}-secrets")["stringData"]["AMQP_URL"].startswith(
        f"amqp://{name}:"
    )


def test_platform_credentials_read_only_the_logins_of_each_service() -> None:
    job = one("prod", "Job", "platform-credentials")
    volumes = {v["name"]: v["secret"] for v in pod_spec(job)["volumes"]}
    for name in SERVICES:
        assert volumes[name]["secretName"] == f"{name}-secrets"
        assert [i["key"] for i in volumes[name]["items"]] == ["DATABASE_URL", "AMQP_URL"]
    assert container(job)["command"] == ["python", "-m", "deploy.credentials", "/run/portal"]


def test_every_shared_variable_the_configmap_sets_is_read_by_the_services() -> None:
    """A misspelt variable would be ignored in silence, leaving the development default."""
    known = set()
    for name in SERVICES:
        for field in _settings_class(name).model_fields.values():
            if isinstance(field.validation_alias, AliasChoices):
                known.update(str(choice) for choice in field.validation_alias.choices)
    names = set(one("prod", "ConfigMap", "portal-settings")["data"])
    unread = {n for n in names - known if not n.startswith("OTEL_EXPORTER_OTLP_")}
    assert not unread, f"portal-settings sets what no service reads: {sorted(unread)}"


# Migrations.


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", SERVICES)
def test_migrations_are_a_job_the_pods_wait_for(overlay: str, name: str) -> None:
    job = one(overlay, "Job", f"{name}-migrate")
    assert container(job)["command"] == ["python", "-m", f"services.{name}", "migrate"]
    assert container(job)["envFrom"] == container(one(overlay, "Deployment", name))["envFrom"]
    (wait,) = pod_spec(one(overlay, "Deployment", name))["initContainers"]
    assert wait["command"] == ["python", "-m", f"services.{name}", "migrate", "--wait"]
    assert (
        wait["image"]
        == container(job)["image"]
        == container(one(overlay, "Deployment", name))["image"]
    )


# Scaling and disruption.


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_deployment_has_one_autoscaler_and_no_replica_count(overlay: str) -> None:
    """A Deployment's spec.replicas would be reset by every apply, fighting the autoscaler."""
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]
        for h in objects(overlay, "HorizontalPodAutoscaler").values()
    }
    keda = {s["spec"]["scaleTargetRef"]["name"] for s in objects(overlay, "ScaledObject").values()}
    for name, deployment in objects(overlay, "Deployment").items():
        assert "replicas" not in deployment["spec"], name
        assert (name in hpas) != (name in keda), (
            f"{name}: one autoscaler, not {name in hpas + keda}"
        )
    assert hpas == set(HTTP_HEAVY)
    assert keda == set(CONSUMERS)


def _declared_queues(name: str) -> set[str]:
    from shared.service import broker_use

    use = broker_use(importlib.import_module(f"services.{name}.app").SPEC)
    names = BusNames("")
    queues = {names.queue(name, purpose) for purpose in use.consumes}
    return queues | ({names.queue(name, "requests")} if use.serves_rpc else set())


@pytest.mark.parametrize("name", CONSUMERS)
def test_consumers_scale_on_the_depth_of_the_queues_they_declare(name: str) -> None:
    scaled = one("prod", "ScaledObject", name)
    queues = {
        t["metadata"]["queueName"] for t in scaled["spec"]["triggers"] if t["type"] == "rabbitmq"
    }
    work = {q for q in _declared_queues(name) if not q.endswith(".dlq")}
    expected = {"billing": {"billing.requests"}}.get(name, work)
    assert queues == expected
    for trigger in scaled["spec"]["triggers"]:
        if trigger["type"] == "rabbitmq":
            assert trigger["authenticationRef"]["name"] in objects("prod", "TriggerAuthentication")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_disruption_budget(overlay: str) -> None:
    budgets = objects(overlay, "PodDisruptionBudget")
    for name in WORKLOADS:
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        assert selector == one(overlay, "Deployment", name)["spec"]["selector"]["matchLabels"]
        assert budgets[name]["spec"]["maxUnavailable"] == 1


# Who reaches whom.


def _allowed_from(policy: Object) -> list[Object]:
    return [peer for rule in policy["spec"].get("ingress", []) for peer in rule.get("from", [])]


def test_nothing_reaches_a_pod_unless_a_policy_says_so() -> None:
    deny = one("prod", "NetworkPolicy", "default-deny-ingress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


@pytest.mark.parametrize("name", SERVICES)
def test_only_the_gateway_reaches_a_services_http(name: str) -> None:
    """X-Real-IP and X-Gateway-S3 are believed from the pod networks: only the gateway may
    connect (and, for identity's key set, the other services; Prometheus for /metrics)."""
    policy = one("prod", "NetworkPolicy", name)
    assert policy["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    pods = [p["podSelector"] for p in _allowed_from(policy) if "podSelector" in p]
    assert {"matchLabels": {"app.kubernetes.io/name": "gateway"}} in pods
    others = [p for p in pods if p != {"matchLabels": {"app.kubernetes.io/name": "gateway"}}]
    if name == "identity":
        (peers,) = others
        assert set(peers["matchExpressions"][0]["values"]) == set(SERVICES) - {"identity"}
    else:
        assert not others
    namespaces = [p for p in _allowed_from(policy) if "namespaceSelector" in p]
    assert all(
        p["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
        for p in namespaces
    )


def test_the_gateway_image_holds_every_file_of_the_api_site() -> None:
    """deploy/gateway/Dockerfile lays out API_ROOT as write_site does (the local run, tests)."""
    from deploy.openapi import SITE, SWAGGER_UI_FILES

    text = (K8S.parents[1] / "deploy" / "gateway" / "Dockerfile").read_text()
    for source in SITE:
        assert source in text, f"the image lacks {source}"
    for name in SWAGGER_UI_FILES:
        assert f"swagger-ui-dist/{name}" in text, f"the image lacks Swagger UI's {name}"
