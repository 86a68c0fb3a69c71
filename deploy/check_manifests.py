"""deploy/check's own checks, run in its venv: what no registry validator knows.

- every binary the Dockerfile builds (`--bin`) or copies exists as a `[[bin]]` of the
  workspace, the three lists agree, and compose and k8s run only binaries the image has;
- each kustomization lists files that exist;
- KEDA objects (no schema in kubernetes-validate) against the models generated from
  KEDA 2.16's CRDs (cloudcoil-models-keda), strictly: a key the model does not know fails;
- each rabbitmq trigger scales on a queue that deploy/rabbitmq/definitions.json declares,
  with mode QueueLength;
- every Deployment probes /readyz and /healthz, has requests and limits, and a
  terminationGracePeriodSeconds longer than the drain time its config gives.

Exits 1 naming each failure.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
FAILURES: list[str] = []


def fail(message: str) -> None:
    FAILURES.append(message)


def workspace_bins() -> set[str]:
    bins = set()
    for manifest in sorted((ROOT / "crates").glob("*/Cargo.toml")):
        for entry in tomllib.loads(manifest.read_text()).get("bin", []):
            bins.add(entry["name"])
    return bins


def dockerfile_bins() -> dict[str, set[str]]:
    """The binaries each stage names: cargo's --bin flags, the runtime and prebuilt COPYs."""
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    built = set(re.findall(r"--bin\s+(\S+)", text))
    runtime, prebuilt = set(), set()
    for line in text.splitlines():
        if not line.startswith("COPY "):
            continue
        words = line.split()[1:]
        if words and words[0].startswith("--from=builder"):
            runtime |= {Path(w).name for w in words[1:-1] if "/target/release/" in w}
        elif not any(w.startswith("--from") for w in words) and words[-1] == "/usr/local/bin/":
            prebuilt |= set(words[:-1])
    return {"built (--bin)": built, "copied (runtime)": runtime, "copied (prebuilt)": prebuilt}


def check_binaries() -> set[str]:
    known = workspace_bins()
    lists = dockerfile_bins()
    image = lists["copied (runtime)"]
    if not image:
        fail("Dockerfile: the runtime stage copies no binary from target/release")
    for what, names in lists.items():
        for name in sorted(names - known):
            fail(f"Dockerfile: `{name}` is {what} but no crate has a [[bin]] of that name")
        if names != image:
            fail(f"Dockerfile: {what} {sorted(names)} differs from the runtime stage's {sorted(image)}")
    return image


def used_binary(command: list, where: str, image: set[str]) -> None:
    if not command:
        return
    binary = str(command[0])
    if binary.startswith("/usr/local/bin/") and Path(binary).name not in image:
        fail(f"{where}: runs `{binary}`, which the image does not contain")


def check_compose(image: set[str]) -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        used_binary(service.get("command") or [], f"compose.yaml service `{name}`", image)
        test = (service.get("healthcheck") or {}).get("test") or []
        used_binary(test[1:], f"compose.yaml service `{name}` healthcheck", image)
        for dependency, how in (service.get("depends_on") or {}).items():
            if how.get("condition") != "service_healthy":
                fail(f"compose.yaml `{name}` depends on `{dependency}` without service_healthy")
            if "healthcheck" not in compose["services"].get(dependency, {}):
                fail(f"compose.yaml `{name}` waits for `{dependency}`, which has no healthcheck")
    for volume in compose["services"]["rabbitmq"]["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("./") and not (DEPLOY / source).exists():
            fail(f"compose.yaml mounts `{source}`, which does not exist")


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def check_kustomizations() -> list[Path]:
    """Every file the kustomizations name exists; returns the resource files, overlays' too."""
    files = []
    for kustomization in sorted((DEPLOY / "k8s").rglob("kustomization.yaml")):
        spec = yaml.safe_load(kustomization.read_text())
        here = kustomization.parent
        for resource in spec.get("resources", []):
            target = here / resource
            if not target.exists():
                fail(f"{kustomization.relative_to(ROOT)}: resource `{resource}` does not exist")
            elif target.is_file():
                files.append(target)
        for generator in spec.get("configMapGenerator", []):
            for file in generator.get("files", []):
                if not (here / file.split("=")[-1]).exists():
                    fail(f"{kustomization.relative_to(ROOT)}: configMapGenerator file `{file}` does not exist")
    return files


def unknown_keys(given, dumped, path: str) -> list[str]:
    """Keys of `given` that the model dropped: pydantic ignores what it does not know."""
    if isinstance(given, dict) and isinstance(dumped, dict):
        out = []
        for key, value in given.items():
            if key not in dumped:
                out.append(f"{path}.{key}")
            else:
                out += unknown_keys(value, dumped[key], f"{path}.{key}")
        return out
    if isinstance(given, list) and isinstance(dumped, list):
        return [k for i, (g, d) in enumerate(zip(given, dumped)) for k in unknown_keys(g, d, f"{path}[{i}]")]
    return []


def check_keda(objects: list[tuple[Path, dict]], queues: set[str], deployments: set[str]) -> int:
    from cloudcoil.models.keda import v1alpha1 as keda

    count = 0
    for path, obj in objects:
        if not obj.get("apiVersion", "").startswith("keda.sh/"):
            continue
        count += 1
        where = f"{shown(path)} {obj['kind']}/{obj['metadata']['name']}"
        model = getattr(keda, obj["kind"], None)
        if model is None:
            fail(f"{where}: KEDA has no kind {obj['kind']} in keda.sh/v1alpha1")
            continue
        try:
            parsed = model.model_validate(obj)
        except Exception as error:  # pydantic's ValidationError, reported whole
            fail(f"{where}: {error}")
            continue
        dumped = parsed.model_dump(by_alias=True, exclude_none=True, mode="json")
        for key in unknown_keys(obj, dumped, ""):
            fail(f"{where}: unknown field `{key.lstrip('.')}`")
        if obj["kind"] != "ScaledObject":
            continue
        if obj["spec"]["scaleTargetRef"]["name"] not in deployments:
            fail(f"{where}: scales `{obj['spec']['scaleTargetRef']['name']}`, which is no Deployment")
        for trigger in obj["spec"]["triggers"]:
            meta = trigger.get("metadata", {})
            if trigger["type"] == "rabbitmq":
                if meta.get("queueName") not in queues:
                    fail(f"{where}: queue `{meta.get('queueName')}` is not in deploy/rabbitmq/definitions.json")
                if meta.get("mode") != "QueueLength":
                    fail(f"{where}: rabbitmq trigger mode is {meta.get('mode')}, expected QueueLength")
    return count


def drain_seconds(config: dict, binary: str, container: dict) -> float:
    """How long the binary may take to stop after SIGTERM, from its configuration."""
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    if binary in ("assetrelay-to-smint", "assetrelay-to-photoshelter", "assetrelay-lifecycle"):
        return config.get("flows", {}).get("shutdown_grace_ms", 30_000) / 1000 + pre_stop
    if binary == "assetrelay-ingress":
        return config.get("ingress", {}).get("request_timeout_ms", 10_000) / 1000 + pre_stop
    # sources and admin: in-flight HTTP or one publish; bounded by the broker confirm timeout.
    return config.get("broker", {}).get("confirm_timeout_ms", 5_000) / 1000 + pre_stop


def check_deployments(objects: list[tuple[Path, dict]], image: set[str]) -> set[str]:
    config = tomllib.loads((DEPLOY / "k8s/base/assetrelay.toml").read_text())
    names = set()
    for path, obj in objects:
        if obj.get("kind") != "Deployment":
            continue
        names.add(obj["metadata"]["name"])
        where = f"{shown(path)} Deployment/{obj['metadata']['name']}"
        pod = obj["spec"]["template"]["spec"]
        for container in pod["containers"]:
            command = container.get("command") or []
            used_binary(command, where, image)
            binary = Path(str(command[0])).name if command else ""
            for probe, path_ in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                if container.get(probe, {}).get("httpGet", {}).get("path") != path_:
                    fail(f"{where}: {probe} must GET {path_}")
            resources = container.get("resources", {})
            if not resources.get("requests", {}).get("memory") or not resources.get("limits", {}).get("memory"):
                fail(f"{where}: memory requests and limits are required")
            grace = pod.get("terminationGracePeriodSeconds", 30)
            drain = drain_seconds(config, binary, container)
            if grace <= drain:
                fail(f"{where}: terminationGracePeriodSeconds {grace} is not longer than the drain time {drain} s")
    return names


def main() -> int:
    image = check_binaries()
    check_compose(image)
    files = check_kustomizations()
    # `--rendered FILE`: also check the overlay as kustomize rendered it (deploy/check).
    if len(sys.argv) == 3 and sys.argv[1] == "--rendered":
        files.append(Path(sys.argv[2]).resolve())
    objects = [(path, obj) for path in files for obj in documents(path)]
    definitions = json.loads((DEPLOY / "rabbitmq/definitions.json").read_text())
    queues = {queue["name"] for queue in definitions["queues"]}
    deployments = check_deployments(objects, image)
    keda = check_keda(objects, queues, deployments)
    if keda == 0:
        fail("no KEDA object found under deploy/k8s")
    for failure in FAILURES:
        print(f"FAIL {failure}")
    if FAILURES:
        return 1
    print(
        f"ok: image binaries {sorted(image)} are workspace [[bin]]s; compose and "
        f"{len(deployments)} Deployments run only those; {keda} KEDA objects valid"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
