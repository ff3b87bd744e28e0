#!/usr/bin/python3
"""Render etc/kubernetes as kustomize would (its resources, namespace and
labels) and check every object: it parses, has apiVersion, kind and a name;
workload selectors match their pod labels; every command is a program the
project installs (or kube-scheduler); volumes that containers mount exist;
the shipped node configuration passes kube-rdma-ctl check-config (with the
mock backend standing in for hardware)."""
import os
import subprocess
import sys
import tempfile

import yaml

SRC = os.environ["KR_TEST_SOURCE_DIR"]
BIN = os.environ["KR_TEST_BIN_DIR"]
BACKENDS = os.environ["KR_TEST_BACKEND_DIR"]
OURS = {"kube-rdma-daemon", "kube-rdma-extender", "kube-rdma-install-cni"}
problems = []


def problem(msg):
    problems.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def render(top):
    kust = yaml.safe_load(open(os.path.join(top, "kustomization.yaml")))
    objects = []
    for res in kust["resources"]:
        with open(os.path.join(top, res)) as f:
            for doc in yaml.safe_load_all(f):
                if doc is None:
                    continue
                doc["_file"] = res
                meta = doc.setdefault("metadata", {})
                if doc.get("kind") not in ("Namespace", "ClusterRole",
                                           "ClusterRoleBinding"):
                    meta["namespace"] = kust["namespace"]
                for pair in kust.get("labels", []):
                    meta.setdefault("labels", {}).update(pair["pairs"])
                objects.append(doc)
    return objects


def check_pod_spec(obj, spec):
    volumes = {v["name"] for v in spec.get("volumes", [])}
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        cmd = c.get("command", [])
        prog = cmd[0] if cmd else None
        if prog not in OURS and prog != "kube-scheduler":
            problem(f"{obj['_file']}: container {c['name']} runs {prog}")
        if prog in OURS - {"kube-rdma-install-cni"} and \
                not os.access(os.path.join(BIN, prog), os.X_OK):
            problem(f"{prog} is not built")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                problem(f"{obj['_file']}: {c['name']} mounts unknown "
                        f"volume {m['name']}")


objects = render(os.path.join(SRC, "etc/kubernetes"))
names = set()
for obj in objects:
    for key in ("apiVersion", "kind"):
        if key not in obj:
            problem(f"{obj['_file']}: no {key}")
    name = obj.get("metadata", {}).get("name")
    if not name:
        problem(f"{obj['_file']}: object without a name")
    if (obj.get("kind"), name) in names:
        problem(f"{obj['_file']}: {obj.get('kind')} {name} twice")
    names.add((obj.get("kind"), name))
    if obj.get("kind") in ("DaemonSet", "Deployment"):
        sel = obj["spec"]["selector"]["matchLabels"]
        labels = obj["spec"]["template"]["metadata"]["labels"]
        if any(labels.get(k) != v for k, v in sel.items()):
            problem(f"{name}: selector {sel} does not match {labels}")
        check_pod_spec(obj, obj["spec"]["template"]["spec"])
    if obj.get("kind") == "ConfigMap" and "kube-rdma.conf" in obj["data"]:
        conf = obj["data"]["kube-rdma.conf"]
        conf = conf.replace("backend = mlx5", "backend = mock")
        conf = conf.replace(
            "backend_dir = /usr/lib/x86_64-linux-gnu/kube-rdma/backends-abi1",
            "backend_dir = " + BACKENDS)
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(conf)
            f.flush()
            r = subprocess.run([os.path.join(BIN, "kube-rdma-ctl"),
                                "check-config", f.name],
                               capture_output=True, text=True)
            if r.returncode:
                problem("node configuration: " + r.stderr.strip())

# service accounts the workloads use exist
accounts = {n for k, n in names if k == "ServiceAccount"}
for obj in objects:
    if obj.get("kind") in ("DaemonSet", "Deployment"):
        sa = obj["spec"]["template"]["spec"].get("serviceAccountName")
        if sa and sa not in accounts:
            problem(f"{obj['metadata']['name']}: no ServiceAccount {sa}")

for extra in ("examples/paper-pod.yaml", "kube-scheduler-config.yaml"):
    yaml.safe_load(open(os.path.join(SRC, "etc", extra)))

print(f"{len(objects)} objects checked")
sys.exit(1 if problems else 0)
