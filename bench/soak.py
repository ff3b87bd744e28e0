#!/usr/bin/env python3
"""The soak: a mock node (2 PFs x 32 VFs, host-local IPAM) driven through
the real programs -- the static plugin, the node agent, init -- by random
operations as a runtime and a bad day would send them: ADD (1 to 8
interfaces, every spec version), DEL, DEL twice, DEL after the namespace is
gone, CHECK, GC with the valid attachments, kill -9 of an ADD, of a DEL, of
init and of the agent in the middle of requests, corrupt and half-written
records, temporary files of dead writers.

After each phase every pod is deleted as its runtime would, and the books
are checked: every VF on the host under its own name and reset (rates and
tc state), none in a pod's namespace, no record or temporary file left,
the agent's inventory equal to what the kernel shows, IPAM empty, the
unreadable records kept aside.  Any difference is printed and the run
fails.

    bench/soak.py [--build DIR] [--ops N] [--phases P] [--seed S]   (root)

ctest runs a short version (tests/CMakeLists.txt, soak_short: the default
300 operations); docs/benchmarks.md has a long one.
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

VERSIONS = ["0.4.0", "1.0.0", "1.1.0"]     # every version it speaks
PFS = ["sk0", "sk1"]
VFS_PER_PF = 32


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.environ.get("KR_SOAK_BUILD"),
                   help="build directory (default: ctest's programs)")
    p.add_argument("--ops", type=int, default=300)
    p.add_argument("--phases", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory")
    return p.parse_args()


def private_namespaces():
    """Re-run in private network and mount namespaces: every netdev and
    namespace the soak makes vanishes with it, even when it fails."""
    if os.environ.get("KR_SOAK_PRIVATE"):
        return
    if os.geteuid() != 0:
        print("SKIP: needs root for network namespaces")
        sys.exit(0)
    os.environ["KR_SOAK_PRIVATE"] = "1"
    os.execvp("unshare", ["unshare", "--net", "--mount", "--propagation",
                          "private", sys.executable] + sys.argv)


def sh(*cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True,
                          **kw)


class Node:
    """The node: configuration, the agent, the plugin."""

    def __init__(self, work, bin_dir, backend_dir):
        self.work = work
        self.bin = bin_dir
        self.state = os.path.join(work, "state")
        self.sock = os.path.join(work, "cni.sock")
        self.conf = os.path.join(work, "node.conf")
        self.log = open(os.path.join(work, "agent.log"), "ab")
        self.agent = None
        with open(self.conf, "w") as f:
            f.write("[node]\nname = soak\nbackend_dir = %s\nstate_dir = %s\n"
                    "dev_root = %s\n[daemon]\nlisten = 127.0.0.1:54098\n"
                    "agent_socket = %s\n" % (backend_dir, self.state, work,
                                              self.sock))
            for pf in PFS:
                f.write('[pf "%s"]\nbackend = mock\nnum_vfs = %d\n'
                        % (pf, VFS_PER_PF))

    def init(self):
        r = sh(os.path.join(self.bin, "kube-rdma-daemon"), "init",
               "--config", self.conf, check=False)
        if r.returncode != 0:
            raise SystemExit("init failed: " + r.stdout + r.stderr)

    def init_killed(self, delay):
        p = subprocess.Popen([os.path.join(self.bin, "kube-rdma-daemon"),
                              "init", "--config", self.conf],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.kill()
        p.wait()

    def start_agent(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.agent = subprocess.Popen(
            [os.path.join(self.bin, "kube-rdma-daemon"), "serve",
             "--config", self.conf], stdout=self.log, stderr=self.log)
        for _ in range(400):
            if os.path.exists(self.sock):
                return
            if self.agent.poll() is not None:
                raise SystemExit("the agent died; see agent.log")
            time.sleep(0.025)
        raise SystemExit("the agent did not open its socket")

    def stop_agent(self, sig=signal.SIGTERM):
        if self.agent:
            self.agent.send_signal(sig)
            self.agent.wait()
            self.agent = None

    def plugin(self, command, pod, conf, background=False):
        env = {"CNI_COMMAND": command, "CNI_CONTAINERID": pod,
               "CNI_NETNS": "/run/netns/" + pod, "CNI_IFNAME": "eth0",
               "CNI_PATH": "/usr/lib/cni", "PATH": os.environ["PATH"]}
        if command == "GC":
            env = {k: env[k] for k in ("CNI_COMMAND", "CNI_PATH", "PATH")}
        p = subprocess.Popen([os.path.join(self.bin, "kube-rdma")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, text=True)
        if background:
            p.stdin.write(conf)
            p.stdin.close()
            return p
        out, err = p.communicate(conf)
        return p.returncode, out, err

    @staticmethod
    def finish(p):
        """Wait for a plugin started in the background: (status, stdout)."""
        out = p.stdout.read()
        p.stderr.read()
        return p.wait(), out

    def inventory_local(self):
        r = sh(os.path.join(self.bin, "kube-rdma-ctl"), "inventory",
               "--config", self.conf, "--json")
        return json.loads(r.stdout)

    def inventory_agent(self):
        r = sh(os.path.join(self.bin, "kube-rdma-ctl"), "inventory",
               "--url", "http://127.0.0.1:54098", "--json")
        return json.loads(r.stdout)


class Soak:
    def __init__(self, node, rng):
        self.node = node
        self.rng = rng
        self.pods = {}          # name -> its network configuration (text)
        self.results = {}       # name -> what its ADD printed, when known
        self.serial = 0
        self.counts = collections.Counter()
        self.problems = []
        self.set_aside = 0

    # ---- helpers ----
    def netconf(self, version, n):
        ifaces = []
        for _ in range(n):
            i = {}
            if self.rng.random() < 0.7:
                i["max_tx_rate"] = self.rng.randrange(100, 2000, 100)
                if self.rng.random() < 0.5:
                    i["min_tx_rate"] = self.rng.randrange(0, 100, 10)
            ifaces.append(i)
        return json.dumps({
            "cniVersion": version, "name": "soak", "type": "kube-rdma",
            "agent_socket": self.node.sock,
            "ipam": {"type": "host-local",
                     "dataDir": os.path.join(self.node.work, "ipam"),
                     "ranges": [[{"subnet": "198.18.0.0/20"}]]},
            "interfaces": ifaces})

    def held(self):
        return sum(len(json.loads(c)["interfaces"])
                   for c in self.pods.values())

    def added(self, pod, conf, rc, out):
        """A pod whose ADD may have run: the runtime DELs it whatever."""
        self.pods[pod] = conf
        if rc == 0:
            self.results[pod] = json.loads(out)

    def problem(self, what):
        self.problems.append(what)
        print("DISCREPANCY: " + what, file=sys.stderr)

    def expect(self, what, rc, out, codes=(0,)):
        if rc == 0 and 0 in codes:
            return True
        try:
            code = json.loads(out).get("code") if out else None
        except ValueError:
            code = None
        if rc != 0 and code in codes:
            return False
        self.problem("%s: exit %d, %s" % (what, rc, out.strip()[:300]))
        return False

    def new_pod(self):
        self.serial += 1
        name = "s%d" % self.serial
        sh("ip", "netns", "add", name)
        return name

    def gone(self, pod):
        sh("ip", "netns", "del", pod, check=False)

    def record(self, pod):
        return os.path.join(self.node.state, "attachments",
                            pod + ".eth0.json")

    def pick(self):
        return self.rng.choice(sorted(self.pods)) if self.pods else None

    def room_for(self, n):
        while self.pods and self.held() + n > len(PFS) * VFS_PER_PF:
            self.delete(self.pick())

    def delete(self, pod, twice=False):
        conf = self.pods.pop(pod)
        self.results.pop(pod, None)
        for _ in range(2 if twice else 1):
            rc, out, _ = self.node.plugin("DEL", pod, conf)
            self.expect("DEL " + pod, rc, out)
        self.gone(pod)

    # ---- operations ----
    def op_add(self):
        n = self.rng.randint(1, 8)
        self.room_for(n)
        pod = self.new_pod()
        conf = self.netconf(self.rng.choice(VERSIONS), n)
        rc, out, _ = self.node.plugin("ADD", pod, conf)
        self.added(pod, conf, rc, out)
        if not self.expect("ADD %s (%d interfaces)" % (pod, n), rc, out):
            self.delete(pod)        # the runtime cleans up a failed ADD

    def op_del(self):
        pod = self.pick()
        if pod:
            self.delete(pod)

    def op_del_twice(self):
        pod = self.pick()
        if pod:
            self.delete(pod, twice=True)

    def op_del_after_netns(self):
        pod = self.pick()
        if pod:
            self.gone(pod)
            self.delete(pod)

    def op_check(self):
        live = sorted(self.results)
        if not live:
            return
        pod = self.rng.choice(live)
        conf = json.loads(self.pods[pod])
        conf["prevResult"] = self.results[pod]   # as the runtime keeps it
        rc, out, _ = self.node.plugin("CHECK", pod, json.dumps(conf))
        self.expect("CHECK " + pod, rc, out)

    def op_gc(self):
        # one pod's namespace is gone and the runtime lost it: GC, told
        # every other pod is valid, releases it
        victim = self.pick()
        if victim:
            self.gone(victim)
        valid = [{"containerID": p, "ifname": "eth0"}
                 for p in sorted(self.pods) if p != victim]
        conf = json.loads(self.netconf("1.1.0", 1))
        conf["cni.dev/valid-attachments"] = valid
        rc, out, _ = self.node.plugin("GC", "", json.dumps(conf))
        if victim:
            self.pods.pop(victim)
            self.results.pop(victim, None)
        self.expect("GC", rc, out)

    def killed_plugin(self, command):
        pod = self.pick() if command == "DEL" else None
        if command == "ADD":
            n = self.rng.randint(1, 8)
            self.room_for(n)
            pod = self.new_pod()
            self.pods[pod] = self.netconf(self.rng.choice(VERSIONS), n)
        if not pod:
            return
        p = self.node.plugin(command, pod, self.pods[pod], background=True)
        time.sleep(self.rng.uniform(0, 0.05))
        p.kill()
        self.node.finish(p)
        self.delete(pod)            # the runtime's DEL (again)

    def op_kill_add(self):
        self.killed_plugin("ADD")

    def op_kill_del(self):
        self.killed_plugin("DEL")

    def op_kill_agent(self):
        # ADDs and DELs in flight when the agent dies
        running = []
        sizes = [self.rng.randint(1, 8) for _ in range(self.rng.randint(1, 3))]
        self.room_for(sum(sizes))
        for n in sizes:
            pod = self.new_pod()
            self.pods[pod] = self.netconf(self.rng.choice(VERSIONS), n)
            running.append(("ADD", pod, self.node.plugin(
                "ADD", pod, self.pods[pod], background=True)))
        others = [p for p in sorted(self.pods)
                  if p not in [r[1] for r in running]]
        if others:
            pod = self.rng.choice(others)
            running.append(("DEL", pod, self.node.plugin(
                "DEL", pod, self.pods[pod], background=True)))
        time.sleep(self.rng.uniform(0, 0.3))
        self.node.stop_agent(signal.SIGKILL)
        outs = []
        for command, pod, p in running:
            rc, out = self.node.finish(p)
            outs.append(out)
            self.expect("%s %s as the agent died" % (command, pod),
                        rc, out, codes=(0, 11))
        self.node.start_agent()
        for (command, pod, p), out in zip(running, outs):
            if pod not in self.pods:
                continue            # deleted meanwhile, to make room
            if command == "ADD" and p.returncode == 0:
                self.results[pod] = json.loads(out)
            else:
                self.delete(pod)    # the runtime retries

    def op_kill_init(self):
        # an upgrade's init, killed midway, beside running pods
        self.node.stop_agent()
        self.node.init_killed(self.rng.uniform(0, 0.05))
        self.node.init()
        self.node.start_agent()

    def op_corrupt_record(self):
        pod = self.pick()
        if not pod or not os.path.exists(self.record(pod)):
            return
        with open(self.record(pod), "r+") as f:
            text = f.read()
            f.seek(0)
            f.truncate()
            # half written, or not a record at all
            f.write(text[:self.rng.randrange(len(text) - 2)]
                    if self.rng.random() < 0.5 else "\0garbage")
        self.set_aside += 1
        self.delete(pod)

    def op_dead_temp_file(self):
        # what a writer killed before its rename leaves (no such PID)
        for d, name in (("attachments", "s%d.eth0.json" % self.serial),
                        ("backend-mock", self.rng.choice(PFS) + ".json")):
            path = os.path.join(self.node.state, d, name + ".tmp.99999999")
            if os.path.isdir(os.path.dirname(path)):
                with open(path, "w") as f:
                    f.write("{")

    OPS = [(op_add, 30), (op_del, 14), (op_del_twice, 5),
           (op_del_after_netns, 8), (op_check, 12), (op_gc, 4),
           (op_kill_add, 6), (op_kill_del, 4), (op_kill_agent, 3),
           (op_kill_init, 1), (op_corrupt_record, 3),
           (op_dead_temp_file, 1)]

    def run(self, ops):
        funcs = [o[0] for o in self.OPS]
        weights = [o[1] for o in self.OPS]
        for _ in range(ops):
            op = self.rng.choices(funcs, weights)[0]
            self.counts[op.__name__[3:]] += 1
            op(self)

    # ---- the books ----
    def books(self, phase):
        for pod in sorted(self.pods):
            self.delete(pod)
        links = sh("ip", "-o", "link").stdout
        for pf in PFS:
            for i in range(VFS_PER_PF):
                if (" %sv%d@" % (pf, i)) not in links:
                    self.problem("phase %d: %sv%d is not on the host "
                                 "under its name" % (phase, pf, i))
        if "sk0q" in links or "sk1q" in links:
            self.problem("phase %d: a VF is still shaped (ifb left)" % phase)
        if "ingress" in sh("tc", "qdisc", "show").stdout:
            self.problem("phase %d: an ingress qdisc is left" % phase)
        netns = sh("ip", "netns", "list").stdout.split()
        for ns in netns:
            if ns.startswith("s") and ns[1:].isdigit():
                self.problem("phase %d: namespace %s left" % (phase, ns))
        adir = os.path.join(self.node.state, "attachments")
        for name in os.listdir(adir) if os.path.isdir(adir) else []:
            if name != "unreadable":
                self.problem("phase %d: attachments/%s left" % (phase, name))
        aside = os.path.join(adir, "unreadable")
        n_aside = len(os.listdir(aside)) if os.path.isdir(aside) else 0
        if n_aside != self.set_aside:
            self.problem("phase %d: %d records set aside, %d corrupted"
                         % (phase, n_aside, self.set_aside))
        mock = os.path.join(self.node.state, "backend-mock")
        for name in os.listdir(mock):
            if ".tmp." in name:
                self.problem("phase %d: backend-mock/%s left" % (phase, name))
        local = self.node.inventory_local()
        for pf in local["pfs"]:
            if pf["vfs_free"] != VFS_PER_PF:
                self.problem("phase %d: %s has %d free VFs" %
                             (phase, pf["name"], pf["vfs_free"]))
            for vf in pf["vfs"]:
                if vf["min_tx_rate"] or vf["max_tx_rate"] or vf["allocated"]:
                    self.problem("phase %d: %s VF %d not reset: %s" %
                                 (phase, pf["name"], vf["index"], vf))
        if "unreadable_records" in local:
            self.problem("phase %d: unreadable records" % phase)
        # the agent refreshes from the kernel every second
        local.pop("generation", None)
        for _ in range(40):
            agent = self.node.inventory_agent()
            agent.pop("generation", None)
            if local == agent:
                break
            time.sleep(0.1)
        else:
            self.problem("phase %d: the agent's inventory differs from the "
                         "kernel's" % phase)
        ipam = os.path.join(self.node.work, "ipam", "soak")
        left = [n for n in os.listdir(ipam) if n.startswith("198.")] \
            if os.path.isdir(ipam) else []
        if left:
            self.problem("phase %d: IPAM kept %s" % (phase, left[:5]))


def main():
    args = parse_args()
    private_namespaces()
    if args.build:
        args.build = os.path.abspath(args.build)
        bin_dir = os.path.join(args.build, "bin")
        backend_dir = os.path.join(args.build, "lib/kube-rdma/backends-abi1")
    else:
        bin_dir = os.environ["KR_TEST_BIN_DIR"]
        backend_dir = os.environ["KR_TEST_BACKEND_DIR"]
    sh("ip", "link", "set", "lo", "up")
    os.makedirs("/run/netns", exist_ok=True)
    sh("mount", "-t", "tmpfs", "kr-soak-netns", "/run/netns")
    work = tempfile.mkdtemp(prefix="kr-soak-")
    node = Node(work, bin_dir, backend_dir)
    soak = Soak(node, random.Random(args.seed))
    start = time.monotonic()
    try:
        node.init()
        node.start_agent()
        per_phase = max(1, args.ops // args.phases)
        for phase in range(1, args.phases + 1):
            soak.run(per_phase)
            soak.books(phase)
        node.stop_agent()
        with open(os.path.join(work, "agent.log"), errors="replace") as f:
            if "Sanitizer" in f.read():
                soak.problem("the agent reported a sanitizer finding "
                             "(agent.log)")
    finally:
        node.stop_agent(signal.SIGKILL)
        elapsed = time.monotonic() - start
        print("soak: seed %d, %d operations in %d phases, %.0f s" %
              (args.seed, sum(soak.counts.values()), args.phases, elapsed))
        for name, n in sorted(soak.counts.items()):
            print("  %-18s %6d" % (name, n))
        print("discrepancies: %d" % len(soak.problems))
        if args.keep or soak.problems:
            print("work directory kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if soak.problems else 0)


if __name__ == "__main__":
    main()
