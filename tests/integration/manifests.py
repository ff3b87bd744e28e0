#!/usr/bin/python3
"""Render etc/kubernetes as kustomize would (its resources, namespace and
labels) and check every object: it parses, has apiVersion, kind and a name;
workload selectors match their pod labels; every command is a program the
project installs (or kube-scheduler); volumes that containers mount exist;
the shipped node configuration passes kube-rdma-ctl check-config (with the
mock backend standing in for hardware).  And the split of docs/deploy.md:
the CNI installer puts only the static plugin on the node (no backends, no
kubeconfig, no API access); the node agent (kube-rdma-daemon serve) has the
node's paths it works on at their own paths (/run/netns with host-to-
container propagation, the socket directory, /sys, the CNI plugins, IPAM
state), NET_ADMIN and SYS_ADMIN, host networking, and a service account
that may only get pods and create tokenreviews; the daemon's API takes
only tokens the API server vouches for (auth = tokenreview), lets the
extender's service account in, and is probed on /healthz alone; the
extender shows a projected token of the daemons' audience; the network
attachment has no obsolete keys."""
import configparser
import json
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



def workload(name):
    for obj in objects:
        if obj.get("kind") == "DaemonSet" and obj["metadata"]["name"] == name:
            return obj["spec"]["template"]["spec"]
    problem(f"no DaemonSet {name}")
    return None


def mounts(spec, container):
    """(mountPath, volumeMount, volume) of the container's mounts."""
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    return [(m["mountPath"], m, volumes.get(m["name"], {}))
            for m in container.get("volumeMounts", [])]


def host_path(volume):
    return (volume.get("hostPath") or {}).get("path")


def norm(path):
    """/var/run is /run on the node and in the image."""
    path = os.path.normpath(path)
    if path == "/var/run" or path.startswith("/var/run/"):
        path = path[len("/var"):]
    return path


def under(path, top):
    path, top = norm(path), norm(top)
    return path == top or path.startswith(top.rstrip("/") + "/")


# The installer: the plugin and nothing else.  What the installer of the
# plugin that did everything itself wrote: the backends, and a kubeconfig.
OBSOLETE = ("/usr/lib/x86_64-linux-gnu/kube-rdma",
            "/etc/cni/net.d/kube-rdma.d/kubeconfig")
install = workload("kube-rdma-cni-install")
if install is not None:
    if install.get("serviceAccountName") or \
            install.get("automountServiceAccountToken") is not False:
        problem("kube-rdma-cni-install: has API credentials it does not need")
    for c in install.get("initContainers", []) + install.get("containers", []):
        for path, m, vol in mounts(install, c):
            hp = host_path(vol)
            for p in (path, hp) if hp else (path,):
                if "backends" in p or "kubeconfig" in p or any(
                        under(p, o) or under(o, p) for o in OBSOLETE):
                    problem(f"kube-rdma-cni-install: {c['name']} mounts {p}")
                    break
            if vol.get("configMap") or vol.get("secret") or \
                    vol.get("projected"):
                problem(f"kube-rdma-cni-install: {c['name']} mounts "
                        f"{m['name']}: the plugin needs no configuration")
    installer = os.path.join(SRC, "scripts/install-cni.sh")
    text = open(installer).read()
    for word in ("backends", "kubeconfig", "serviceaccount", "token"):
        if word in text.lower():
            problem(f"scripts/install-cni.sh still mentions {word}")

# The node agent: the node's paths at their own paths.
daemon = workload("kube-rdma-daemon")
serve = None
if daemon is not None:
    for c in daemon.get("containers", []):
        if c.get("command", [])[:2] == ["kube-rdma-daemon", "serve"]:
            serve = c
    if serve is None:
        problem("kube-rdma-daemon: no container runs serve")
    if not daemon.get("hostNetwork"):
        problem("kube-rdma-daemon: not on the host network")
if serve is not None:
    have = {}
    for path, m, vol in mounts(daemon, serve):
        have[norm(path)] = (m, vol)

    def need(path, host=None, read_only=None, propagation=None,
             create=False):
        m, vol = have.get(norm(path), (None, None))
        if m is None:
            problem(f"serve does not mount {path}")
            return
        if norm(host_path(vol) or "") != norm(host or path):
            problem(f"serve: {path} is not the node's {host or path}")
        if read_only is not None and bool(m.get("readOnly")) != read_only:
            problem(f"serve: {path} should be "
                    f"{'read-only' if read_only else 'writable'}")
        if propagation and m.get("mountPropagation") != propagation:
            problem(f"serve: {path} needs mountPropagation {propagation}")
        if create and vol["hostPath"].get("type") != "DirectoryOrCreate":
            problem(f"serve: {path} should be DirectoryOrCreate")

    # containerd's /var/run/netns, CRI-O's, podman's /run/netns: one mount,
    # and namespaces made after the agent started must show up in it
    need("/run/netns", propagation="HostToContainer")
    need("/run/kube-rdma", read_only=False, create=True)
    need("/sys")
    need("/var/lib/kube-rdma", read_only=False)
    need("/opt/cni/bin", read_only=True)
    if not any(under(p, "/var/lib/cni") and
               norm(host_path(v) or "") == p for p, (m, v) in have.items()):
        problem("serve does not mount the node's /var/lib/cni (IPAM state)")
    caps = set(serve.get("securityContext", {}).get("capabilities", {})
               .get("add", []))
    if not serve.get("securityContext", {}).get("privileged") and \
            not {"NET_ADMIN", "SYS_ADMIN"} <= caps:
        problem(f"serve has capabilities {sorted(caps)}, "
                "needs NET_ADMIN and SYS_ADMIN")

    # the CNI socket the plugin dials is in the socket directory
    socket = "/run/kube-rdma/cni.sock"
    for obj in objects:
        if obj.get("kind") == "ConfigMap" and \
                "kube-rdma.conf" in obj.get("data", {}):
            for line in obj["data"]["kube-rdma.conf"].splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "agent_socket":
                    socket = value.split(";")[0].strip()
    if not under(socket, "/run/kube-rdma"):
        problem(f"agent_socket {socket} is outside the mounted /run/kube-rdma")

    # the daemon's service account may get pods, and nothing else
    sa = daemon.get("serviceAccountName") or "default"
    if sa == "default":
        problem("kube-rdma-daemon: no service account of its own")
    roles = {(o["kind"], o["metadata"]["name"]): o for o in objects
             if o.get("kind") in ("ClusterRole", "Role")}
    rules = []
    for obj in objects:
        if obj.get("kind") not in ("ClusterRoleBinding", "RoleBinding"):
            continue
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == sa
                   and s.get("namespace", obj["metadata"].get("namespace"))
                   == "kube-rdma" for s in obj.get("subjects", [])):
            continue
        ref = obj["roleRef"]
        role = roles.get((ref["kind"], ref["name"]))
        if role is None:
            problem(f"{obj['metadata']['name']}: binds {sa} to "
                    f"{ref['kind']} {ref['name']}, not in the manifests")
            continue
        rules += role.get("rules", [])
    granted = {(g, r, v) for rule in rules for g in rule.get("apiGroups", [])
               for r in rule.get("resources", [])
               for v in rule.get("verbs", [])}
    want = {("", "pods", "get"),
            ("authentication.k8s.io", "tokenreviews", "create")}
    if granted != want:
        problem(f"{sa} may {sorted(granted)}: only get pods and create "
                "tokenreviews")


# Who reads the daemon's API (it names every pod holding a VF): tokens the
# API server vouches for, the extender's among them, presented from a
# projected token for the daemons' audience.
def node_config():
    for obj in objects:
        if obj.get("kind") == "ConfigMap" and \
                "kube-rdma.conf" in obj.get("data", {}):
            ini = configparser.ConfigParser(
                strict=False, interpolation=None,
                comment_prefixes=(";", "#"), inline_comment_prefixes=(";",))
            ini.read_string(obj["data"]["kube-rdma.conf"])
            return ini
    problem("no ConfigMap with kube-rdma.conf")
    return None


def deployment_running(prog):
    for obj in objects:
        if obj.get("kind") != "Deployment":
            continue
        spec = obj["spec"]["template"]["spec"]
        for c in spec.get("containers", []):
            if c.get("command", [])[:1] == [prog]:
                return spec, c
    problem(f"no Deployment runs {prog}")
    return None, None


ini = node_config()
ext_spec, ext = deployment_running("kube-rdma-extender")
if ini is not None:
    dmn = ini["daemon"] if ini.has_section("daemon") else {}
    if dmn.get("auth") != "tokenreview":
        problem(f"[daemon] auth = {dmn.get('auth', 'none')}: anyone who "
                "reaches the node reads its pods")
    audience = dmn.get("auth_audience")
    if not audience:
        problem("[daemon] no auth_audience: any service account token "
                "(the API server's own) reads the inventories")
    allowed = [u.strip() for u in dmn.get("auth_allowed_users", "").split(",")
               if u.strip()]
    if ext is not None:
        sa = ext_spec.get("serviceAccountName") or "default"
        user = f"system:serviceaccount:kube-rdma:{sa}"
        if (allowed or dmn.get("auth_allowed_groups")) and \
                user not in allowed:
            problem(f"[daemon] auth_allowed_users {allowed} lacks the "
                    f"extender's {user}")
        token = ini["extender"].get("inventory_token_file") \
            if ini.has_section("extender") else None
        found = None
        for path, m, vol in mounts(ext_spec, ext):
            for src in (vol.get("projected") or {}).get("sources", []):
                sat = src.get("serviceAccountToken")
                if sat and token == os.path.join(path, sat["path"]):
                    found = sat
        if found is None:
            problem(f"[extender] inventory_token_file {token} is not a "
                    "projected service account token the extender mounts")
        elif found.get("audience") != audience:
            problem(f"the extender's token is for {found.get('audience')}, "
                    f"the daemons take {audience}")
if serve is not None:
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        path = (serve.get(probe) or {}).get("httpGet", {}).get("path")
        if path and path != "/healthz":
            problem(f"serve's {probe} on {path}: only /healthz answers "
                    "without a token")

# The network attachment: the plugin's netconf, without the keys of the
# plugin that did everything itself.
for obj in objects:
    if obj.get("kind") != "NetworkAttachmentDefinition":
        continue
    try:
        conf = json.loads(obj["spec"]["config"])
    except (KeyError, ValueError) as e:
        problem(f"{obj['metadata']['name']}: netconf does not parse: {e}")
        continue
    if conf.get("type") != "kube-rdma":
        problem(f"{obj['metadata']['name']}: type {conf.get('type')}")
    for key in ("config", "kubeconfig"):
        if key in conf:
            problem(f"{obj['metadata']['name']}: obsolete key {key}")
    if "agent_socket" in conf and not under(conf["agent_socket"],
                                            "/run/kube-rdma"):
        problem(f"{obj['metadata']['name']}: agent_socket outside "
                "/run/kube-rdma")

for extra in ("examples/paper-pod.yaml", "kube-scheduler-config.yaml"):
    yaml.safe_load(open(os.path.join(SRC, "etc", extra)))

print(f"{len(objects)} objects checked")
sys.exit(1 if problems else 0)
