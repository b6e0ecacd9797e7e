"""Offline checks of the deployment files: Dockerfile, docker-compose.yml and k8s/.

No network and no container engine: the YAML is parsed with PyYAML and the structural facts
that matter are asserted; the Kubernetes manifests are validated against the schemas bundled
with `kubernetes-validate`, and docker-compose.yml with `docker-compose config` when that
binary is installed.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "k8s"
COMPOSE = ROOT / "docker-compose.yml"
NAMESPACE = "resonance"
IMAGE = "resonance:latest"

# deployable -> (python module, port)
DEPLOYABLES: dict[str, tuple[str, int]] = {
    "gateway": ("gateway", 8000),
    "ingest": ("services.ingest", 8001),
    "identity": ("services.identity", 8002),
    "scoring": ("services.scoring", 8003),
    "routing": ("services.routing", 8004),
    "sla": ("services.sla", 8005),
}
INTERNAL = [name for name in DEPLOYABLES if name != "gateway"]
# Kubernetes versions the manifests must validate against (oldest supported, newest bundled).
K8S_VERSIONS = ["1.29.0", "1.37.0"]
# Dummy values for docker-compose's required variables (`${VAR:?...}`).
COMPOSE_ENV = {
    "POSTGRES_PASSWORD": "pg-test",
    "RABBITMQ_PASSWORD": "mq-test",
    "RESONANCE_INTERNAL_SECRET": "internal-test",
    "RESONANCE_BOOTSTRAP_SECRET": "bootstrap-test",
    "RESONANCE_JWT_SECRET": "jwt-test-0123456789-0123456789-0123456789",
}


# ---------------------------------------------------------------- loading


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.is_file())


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest, i.e. every YAML file but the kustomization."""
    return [
        p for p in k8s_files() if p.suffix in {".yaml", ".yml"} and p.name != "kustomization.yaml"
    ]


@cache
def load_docs(path: Path) -> tuple[dict[str, Any], ...]:
    with path.open() as f:
        return tuple(doc for doc in yaml.safe_load_all(f) if doc is not None)


@cache
def resources() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(path relative to k8s/, resource) for every resource of every manifest."""
    return tuple(
        (p.relative_to(K8S).as_posix(), doc) for p in manifest_files() for doc in load_docs(p)
    )


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for _, doc in resources():
        if doc["kind"] == kind:
            name = doc["metadata"]["name"]
            assert name not in found, f"two {kind}s named {name}"
            found[name] = doc
    return found


def kustomization() -> dict[str, Any]:
    (doc,) = load_docs(K8S / "kustomization.yaml")
    return doc


@cache
def compose() -> dict[str, Any]:
    with COMPOSE.open() as f:
        doc: dict[str, Any] = yaml.safe_load(f)
    return doc


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def main_container(name: str) -> dict[str, Any]:
    containers = pod_spec(of_kind("Deployment")[name])["containers"]
    assert len(containers) == 1, f"{name}: expected one container"
    container: dict[str, Any] = containers[0]
    return container


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics (matchLabels and matchExpressions)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def pod_labels(name: str) -> dict[str, str]:
    kind = "Deployment" if name in DEPLOYABLES else "StatefulSet"
    labels: dict[str, str] = of_kind(kind)[name]["spec"]["template"]["metadata"]["labels"]
    return labels


def quantity(value: str | int | float) -> float:
    """CPU in cores or memory in bytes from a Kubernetes quantity."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


# ---------------------------------------------------------------- kustomization


def test_every_yaml_file_parses() -> None:
    files = [*k8s_files(), COMPOSE]
    assert len(files) > 10
    for path in files:
        assert path.suffix in {".yaml", ".yml"}, f"unexpected non-YAML file {path}"
        docs = load_docs(path)
        assert docs, f"{path} is empty"
        for doc in docs:
            assert isinstance(doc, dict), f"{path}: a document is not a mapping"


def test_kustomization_lists_exactly_the_files_under_k8s() -> None:
    kust = kustomization()
    assert kust["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kust["kind"] == "Kustomization"
    assert kust["namespace"] == NAMESPACE
    listed = kust["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    on_disk = {p.relative_to(K8S).as_posix() for p in manifest_files()}
    assert set(listed) - on_disk == set(), "listed in kustomization.yaml but missing"
    assert on_disk - set(listed) == set(), "under k8s/ but not in kustomization.yaml"
    assert {"dependencies/postgres.yaml", "dependencies/rabbitmq.yaml"} <= set(listed)


def test_image_is_overridable_through_kustomize_images() -> None:
    (entry,) = kustomization()["images"]
    assert entry["name"] == IMAGE.split(":")[0]
    for name in DEPLOYABLES:
        spec = pod_spec(of_kind("Deployment")[name])
        for container in spec["containers"] + spec["initContainers"]:
            assert container["image"] == IMAGE, f"{name}/{container['name']}"


def test_every_resource_is_in_the_namespace() -> None:
    (namespace,) = of_kind("Namespace").values()
    assert namespace["metadata"]["name"] == NAMESPACE
    for path, doc in resources():
        assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == NAMESPACE, f"{path}: {doc['kind']}"


# ---------------------------------------------------------------- deployables


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_deployable_has_deployment_service_and_hpa(name: str) -> None:
    module, port = DEPLOYABLES[name]
    deployment = of_kind("Deployment")[name]
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selects(deployment["spec"]["selector"], template_labels)
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"

    container = main_container(name)
    assert container["command"] == ["python", "-m", module]
    assert container["args"] == ["serve", "--host", "0.0.0.0", "--port", str(port)]
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]

    service = of_kind("Service")[name]
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert selects({"matchLabels": service["spec"]["selector"]}, template_labels)
    (svc_port,) = service["spec"]["ports"]
    assert svc_port["port"] == port
    assert svc_port["targetPort"] in {"http", port}

    hpa = of_kind("HorizontalPodAutoscaler")[name]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    if name == "gateway":
        assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_no_other_workloads_or_services() -> None:
    assert set(of_kind("Deployment")) == set(DEPLOYABLES)
    assert set(of_kind("HorizontalPodAutoscaler")) == set(DEPLOYABLES)
    assert set(of_kind("Service")) == set(DEPLOYABLES) | {"postgres", "rabbitmq"}
    for name, service in of_kind("Service").items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", name


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_deployment_probes(name: str) -> None:
    container = main_container(name)
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    expected = {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    for probe, path in expected.items():
        assert probe in container, f"{name}: no {probe}"
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{name}: {probe}"
        port = port_names.get(get["port"], get["port"])
        assert port == DEPLOYABLES[name][1], f"{name}: {probe} port"


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_resources_fit_a_two_core_node(name: str) -> None:
    spec = pod_spec(of_kind("Deployment")[name])
    for container in spec["containers"] + spec["initContainers"]:
        res = container.get("resources") or {}
        for kind in ("cpu", "memory"):
            request = quantity(res["requests"][kind])
            limit = quantity(res["limits"][kind])
            assert 0 < request <= limit, f"{name}/{container['name']}: {kind}"
        assert quantity(res["limits"]["cpu"]) <= 1
        assert quantity(res["limits"]["memory"]) <= 2 * 2**30
    total = sum(quantity(main_container(n)["resources"]["requests"]["cpu"]) for n in DEPLOYABLES)
    assert total <= 1.5, "one replica of everything must leave room on a 2-core node"


def test_identity_has_room_for_an_imports_validation_workers() -> None:
    # measured: a million-customer import through the API peaks at 520 MiB (service + workers)
    limits = main_container("identity")["resources"]["limits"]
    assert quantity(limits["memory"]) >= 2**30


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_init_container_migrates_with_the_same_configuration(name: str) -> None:
    module, _ = DEPLOYABLES[name]
    spec = pod_spec(of_kind("Deployment")[name])
    migrations = [
        c
        for c in spec.get("initContainers", [])
        if [*c["command"], *c.get("args", [])][-1:] == ["migrate"]
    ]
    assert len(migrations) == 1, f"{name}: no migrate initContainer"
    init = migrations[0]
    assert [*init["command"], *init["args"]] == ["python", "-m", module, "migrate"]
    assert init["envFrom"] == main_container(name)["envFrom"]


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_pods_run_as_non_root_on_a_read_only_filesystem(name: str) -> None:
    spec = pod_spec(of_kind("Deployment")[name])
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec.get("automountServiceAccountToken") is False
    volumes = {v["name"]: v for v in spec["volumes"]}
    for container in spec["containers"] + spec["initContainers"]:
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert "emptyDir" in volumes[tmp["name"]]


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_configuration_reaches_each_deployable_with_its_prefix(name: str) -> None:
    configmaps, secrets = of_kind("ConfigMap"), of_kind("Secret")
    env: dict[str, str] = {}
    for source in main_container(name)["envFrom"]:
        assert source["prefix"] == f"RESONANCE_{name.upper()}_"
        if "configMapRef" in source:
            data = configmaps[source["configMapRef"]["name"]]["data"]
        else:
            data = secrets[source["secretRef"]["name"]]["stringData"]
        env.update({source["prefix"] + key: value for key, value in data.items()})
    prefix = f"RESONANCE_{name.upper()}_"
    required = ["DATABASE_URL", "AMQP_URL", "TRANSPORT", "ENVIRONMENT", "INTERNAL_SECRET"]
    if name == "gateway":
        required += ["BOOTSTRAP_SECRET", "JWT_SECRET"]
        required += [f"{n.upper()}_URL" for n in INTERNAL]
    missing = [key for key in required if prefix + key not in env]
    assert not missing, f"{name}: missing {missing}"
    assert env[prefix + "ENVIRONMENT"] == "production"
    assert env[prefix + "TRANSPORT"] == "rabbitmq"
    assert env[prefix + "DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env[prefix + "DATABASE_URL"]
    assert "@rabbitmq:5672/" in env[prefix + "AMQP_URL"]
    if name == "gateway":
        services = of_kind("Service")
        for upstream in INTERNAL:
            port = services[upstream]["spec"]["ports"][0]["port"]
            assert env[f"{prefix}{upstream.upper()}_URL"] == f"http://{upstream}:{port}"


def test_secret_template_holds_placeholders_only() -> None:
    secrets = of_kind("Secret")
    assert secrets
    for name, secret in secrets.items():
        assert "data" not in secret, f"{name}: use stringData placeholders, not encoded data"
        for key, value in secret["stringData"].items():
            if key.endswith(("_USER", "_DEFAULT_USER")):
                continue
            assert "CHANGE_ME" in value, f"{name}.{key} looks like a real secret"


# ---------------------------------------------------------------- exposure


def test_only_the_gateway_has_an_ingress_and_a_pdb() -> None:
    ingresses = list(of_kind("Ingress").values())
    assert len(ingresses) == 1
    backends = [
        path["backend"]["service"]["name"]
        for rule in ingresses[0]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends and set(backends) == {"gateway"}
    assert "defaultBackend" not in ingresses[0]["spec"]

    (pdb,) = of_kind("PodDisruptionBudget").values()
    assert pdb["apiVersion"] == "policy/v1"
    assert selects(pdb["spec"]["selector"], pod_labels("gateway"))
    assert not any(selects(pdb["spec"]["selector"], pod_labels(n)) for n in INTERNAL)


def _allowed_peers(labels: dict[str, str]) -> list[dict[str, Any] | None]:
    """Peers admitted to pods with `labels`; None stands for "any source"."""
    peers: list[dict[str, Any] | None] = []
    for policy in of_kind("NetworkPolicy").values():
        spec = policy["spec"]
        if "Ingress" not in spec.get("policyTypes", ["Ingress"]):
            continue
        if not selects(spec["podSelector"], labels):
            continue
        for rule in spec.get("ingress") or []:
            peers.extend(rule.get("from") or [None])
    return peers


def test_network_policies_deny_by_default() -> None:
    default = [
        p
        for p in of_kind("NetworkPolicy").values()
        if p["spec"]["podSelector"] == {} and not p["spec"].get("ingress")
    ]
    assert default, "no default-deny ingress policy"
    assert "Ingress" in default[0]["spec"]["policyTypes"]


def test_network_policies_admit_the_outside_only_to_the_gateway() -> None:
    assert None in _allowed_peers(pod_labels("gateway")), "the gateway must be reachable"
    gateway = pod_labels("gateway")
    for name in INTERNAL:
        peers = _allowed_peers(pod_labels(name))
        assert peers, f"{name}: nothing may reach it, not even the gateway"
        assert any(
            p is not None and "namespaceSelector" not in p and selects(p["podSelector"], gateway)
            for p in peers
        ), f"{name}: the gateway is not admitted"
        for peer in peers:
            assert peer is not None, f"{name} is open to any source"
            assert "ipBlock" not in peer, f"{name} admits an ipBlock"
            selector = peer.get("podSelector")
            assert selector is not None, f"{name} admits whole namespaces"
            if "namespaceSelector" in peer:
                # Prometheus only, from wherever it runs.
                assert selector == {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
            else:
                assert selects(selector, gateway)
                assert not any(selects(selector, pod_labels(n)) for n in INTERNAL)
    for dependency in ("postgres", "rabbitmq"):
        peers = _allowed_peers(pod_labels(dependency))
        assert peers and None not in peers, f"{dependency} is open"
        for peer in peers:
            assert peer is not None and set(peer) == {"podSelector"}, dependency


# ---------------------------------------------------------------- dependencies


@pytest.mark.parametrize(("name", "port"), [("postgres", 5432), ("rabbitmq", 5672)])
def test_dependencies_are_single_replica_statefulsets(name: str, port: int) -> None:
    statefulset = of_kind("StatefulSet")[name]
    path = next(p for p, d in resources() if d is statefulset)
    assert path.startswith("dependencies/")
    text = (K8S / path).read_text()
    assert re.search(r"managed|operator", text, re.I), f"{path}: say production uses managed ones"
    spec = statefulset["spec"]
    assert spec["replicas"] == 1
    assert spec["volumeClaimTemplates"]
    assert spec["serviceName"] == name
    service = of_kind("Service")[name]
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(name))
    assert service["spec"]["ports"][0]["port"] == port
    (container,) = spec["template"]["spec"]["containers"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert probe in container
    assert container["resources"]["requests"] and container["resources"]["limits"]


# ---------------------------------------------------------------- kubernetes schemas


def _kubernetes_validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


needs_validator = pytest.mark.skipif(
    importlib.util.find_spec("kubernetes_validate") is None,
    reason="kubernetes-validate is not installed (pip install -e '.[dev]')",
)


@needs_validator
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_manifests_match_the_kubernetes_schemas(version: str) -> None:
    files = [str(p) for p in manifest_files()]
    result = _kubernetes_validate("-k", version, *files)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Unknown kinds/apiVersions only WARN with exit 0: treat them as failures too.
    assert "WARN" not in output and "ERROR" not in output, output


@needs_validator
def test_schema_validation_catches_a_broken_manifest(tmp_path: Path) -> None:
    broken = load_docs(K8S / "gateway" / "deployment.yaml")[0]
    broken = yaml.safe_load(yaml.safe_dump(broken))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSecond"] = 5
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = _kubernetes_validate(str(path))
    assert result.returncode != 0, result.stdout


# ---------------------------------------------------------------- docker compose


def test_compose_runs_every_deployable_with_a_migrate_one_shot() -> None:
    services = compose()["services"]
    expected = {"postgres", "rabbitmq"} | set(DEPLOYABLES) | {f"{n}-migrate" for n in DEPLOYABLES}
    assert set(services) == expected
    for name, (module, port) in DEPLOYABLES.items():
        service, migrate = services[name], services[f"{name}-migrate"]
        assert service["image"] == migrate["image"]
        assert service["command"] == [
            "python",
            "-m",
            module,
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
        ]
        assert migrate["command"] == ["python", "-m", module, "migrate"]
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert migrate["environment"] == service["environment"]
        depends = service["depends_on"]
        assert depends[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["rabbitmq"]["condition"] == "service_healthy"
        check = " ".join(service["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/readyz" in check and "urllib" in check


def test_compose_publishes_only_the_gateway() -> None:
    services = compose()["services"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"gateway"}
    (mapping,) = services["gateway"]["ports"]
    assert str(mapping).endswith(":8000")
    for name, service in services.items():
        assert service.get("network_mode") != "host", name


def test_compose_dependencies_have_health_checks() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3")
    assert services["rabbitmq"]["healthcheck"]["test"] == [
        "CMD",
        "rabbitmq-diagnostics",
        "-q",
        "ping",
    ]
    assert set(compose()["volumes"]) >= {"postgres-data", "rabbitmq-data"}


@pytest.mark.parametrize("name", list(DEPLOYABLES))
def test_compose_environment_uses_the_prefix_and_no_literal_secret(name: str) -> None:
    env = compose()["services"][name]["environment"]
    prefix = f"RESONANCE_{name.upper()}_"
    assert all(key.startswith(prefix) for key in env), name
    assert env[prefix + "ENVIRONMENT"] == "production"
    assert env[prefix + "TRANSPORT"] == "rabbitmq"
    secrets = ["INTERNAL_SECRET"] + (
        ["BOOTSTRAP_SECRET", "JWT_SECRET"] if name == "gateway" else []
    )
    for key in secrets:
        assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", env[prefix + key]), f"{key} must come from env"
    for key in ("DATABASE_URL", "AMQP_URL"):
        assert ":?" in env[prefix + key], f"{key}: password must come from env"
    if name == "gateway":
        for upstream in INTERNAL:
            port = DEPLOYABLES[upstream][1]
            assert env[f"{prefix}{upstream.upper()}_URL"] == f"http://{upstream}:{port}"


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


needs_compose = pytest.mark.skipif(
    _compose_command() is None,
    reason="docker-compose is not installed (apt-get install docker-compose)",
)


def _compose_config(env_file: Path) -> subprocess.CompletedProcess[str]:
    command = _compose_command()
    assert command is not None
    env = {
        k: v for k, v in os.environ.items() if k not in COMPOSE_ENV and not k.startswith("COMPOSE_")
    }
    return subprocess.run(
        [*command, "--env-file", str(env_file), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


@needs_compose
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in COMPOSE_ENV.items()))
    result = _compose_config(env_file)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_compose
def test_docker_compose_refuses_to_run_without_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    result = _compose_config(env_file)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stdout + result.stderr


def test_env_example_sets_every_required_compose_variable() -> None:
    text = (ROOT / ".env.example").read_text()
    defined = set(re.findall(r"^([A-Z_]+)=", text, re.M))
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    assert required == set(COMPOSE_ENV)
    assert required <= defined


# ---------------------------------------------------------------- image


def test_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "python:3.11-slim" in text
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    uid = int(users[-1].split(":")[0])
    for name in DEPLOYABLES:
        assert pod_spec(of_kind("Deployment")[name])["securityContext"]["runAsUser"] == uid
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    assert "PYTHONUNBUFFERED=1" in text
    assert "pip install" in text
    assert re.search(r"^COPY setup.py ", text, re.M)  # the build step compiling the hot paths


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".data", "tests", "bench", ".env"} <= ignored
    assert {".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"} <= ignored
    assert not ignored & {"pyproject.toml", "setup.py", "shared", "services", "gateway", "launcher"}
    # the host's compiled modules and build tree: the image compiles its own (setup.py)
    assert {"build", "**/*.so"} <= ignored
