"""Reading the Kubernetes manifests as a cluster would get them: the overlays rendered by
kustomize (Debian's kubectl, `kubectl kustomize`), each container's environment resolved from
its ConfigMaps and Secrets, and the process a container really starts."""

import json
import re
import shutil
import subprocess
from functools import cache
from typing import Any

import pytest
import yaml

from tests.deploy.gateway import ROOT

K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# Debian's kubernetes-client, unpacked by scripts/bootstrap (it would clash with another
# kubectl installed on the machine); any other kubectl with kustomize is taken as well.
KUBECTL = ROOT / ".tools" / "kubernetes-client" / "usr" / "bin" / "kubectl"

Object = dict[str, Any]


def kubectl() -> str:
    if KUBECTL.exists():
        return str(KUBECTL)
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl (kustomize) is missing: run scripts/bootstrap")
    return found


@cache
def rendered(overlay: str) -> tuple[Object, ...]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def objects(overlay: str, kind: str) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in rendered(overlay) if o["kind"] == kind}


def one(overlay: str, kind: str, name: str) -> Object:
    return objects(overlay, kind)[name]


def pod_spec(workload: Object) -> Object:
    return workload["spec"]["template"]["spec"]


def container(workload: Object) -> Object:
    (only,) = pod_spec(workload)["containers"]
    return only


def environment(overlay: str, spec: Object) -> dict[str, str]:
    """What a container's process gets: its envFrom sources in order, then its env, with the
    values the rendered ConfigMaps and Secrets hold."""
    maps = objects(overlay, "ConfigMap")
    secrets = objects(overlay, "Secret")
    env: dict[str, str] = {}
    for source in spec.get("envFrom", []):
        if "configMapRef" in source:
            env |= maps[source["configMapRef"]["name"]]["data"]
        else:
            env |= secrets[source["secretRef"]["name"]]["stringData"]
    for item in spec.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "configMapKeyRef" in (ref := item["valueFrom"]):
            env[item["name"]] = maps[ref["configMapKeyRef"]["name"]]["data"][
                ref["configMapKeyRef"]["key"]
            ]
        else:
            env[item["name"]] = secrets[ref["secretKeyRef"]["name"]]["stringData"][
                ref["secretKeyRef"]["key"]
            ]
    return env


# The nginx image's ENTRYPOINT (nginx:1.27-alpine): it runs /docker-entrypoint.d/*.sh — among
# them the one that renders /etc/nginx/templates — and only when the command is `nginx`.
NGINX_ENTRYPOINT = ["/docker-entrypoint.sh"]


@cache
def gateway_image() -> tuple[list[str], dict[str, str]]:
    """CMD and ENV of the gateway image's final stage (deploy/gateway/Dockerfile)."""
    text = (ROOT / "deploy" / "gateway" / "Dockerfile").read_text().replace("\\\n", " ")
    final = text[text.rindex("\nFROM ") :]
    assert final.startswith("\nFROM nginx:"), "the gateway is built on the nginx image"
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", final, re.MULTILINE).group(1))  # type: ignore[union-attr]
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.*)$", final, re.MULTILINE):
        for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', line):
            env[key] = value.strip('"')
    return cmd, env


def started_process(command: list[str] | None, args: list[str] | None) -> list[str]:
    """The argv Kubernetes starts: `command` replaces the image's ENTRYPOINT (and drops its
    CMD), `args` replaces the CMD."""
    cmd, _ = gateway_image()
    if command is not None:
        return command + (args or [])
    return NGINX_ENTRYPOINT + (args if args is not None else cmd)
