#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fake sysfs trees shaped like a real node's, and the matching VF tables
of the fake rtnetlink kernel (tests/support/nl_fake.h) and RDMA devices of the fake
RDMA netlink kernel (tests/support/rdma_fake.h), for the backend tests.

    fake_node.py ROOT add-pf KIND NAME PCI [--vfs N] [--netlink DIR]
                 [--vf-name FORMAT] [--ibdev N]
    fake_node.py ROOT set-vfs NAME N [--netlink DIR]

KIND is one of:
  cx5      Mellanox ConnectX-5 (15b3:1017, VFs 15b3:1018), mlx5_core,
           Ethernet (RoCE) 100 Gb/s, 8 VFs, an RDMA device per function
  cx6-ib   Mellanox ConnectX-6 (15b3:101b, VFs 15b3:101c), mlx5_core,
           InfiniBand HDR 200 Gb/s, 8 VFs; new VFs have all-zero GUIDs
  e810     Intel E810 (8086:1592, VFs 8086:1889 under iavf), ice,
           25 Gb/s, 16 VFs, no RDMA device on the VFs
  plain    Intel 82574L (8086:10d3), e1000e, no SR-IOV

The layout follows the kernel's: devices/pci0000:00/ADDR with vendor,
device, numa_node, sriov_totalvfs, sriov_numvfs, virtfnN and physfn links,
the driver link, net/NAME and infiniband/IBDEV directories; class/net,
class/infiniband, class/infiniband_verbs and bus/pci/devices as links into
it; bus/pci/drivers/DRIVER/{bind,unbind} as plain files that keep what was
written.  set-vfs does what the kernel does after a write to sriov_numvfs:
removes every VF, then creates N.  With --netlink, DIR/PF.json holds the
PF's VF table and DIR/rdma.json the RDMA devices (index N + 1 for mlx5_N,
in the namespace of the caller; the mode stays as it was, "shared" at
first).
"""
import argparse
import json
import os
import shutil
import sys

KINDS = {
    "cx5": dict(vendor="0x15b3", device="0x1017", vf_device="0x1018",
                driver="mlx5_core", vf_driver="mlx5_core", total=8,
                type=1, speed=100000, rdma=True, ib=False,
                rate="100 Gb/sec (4X EDR)", ifname_vf="{pf}v{i}"),
    "cx6-ib": dict(vendor="0x15b3", device="0x101b", vf_device="0x101c",
                   driver="mlx5_core", vf_driver="mlx5_core", total=8,
                   type=32, speed=-1, rdma=True, ib=True,
                   rate="200 Gb/sec (4X HDR)", ifname_vf="{pf}v{i}"),
    "e810": dict(vendor="0x8086", device="0x1592", vf_device="0x1889",
                 driver="ice", vf_driver="iavf", total=16, type=1,
                 speed=25000, rdma=False, ib=False, ifname_vf="{pf}v{i}"),
    "plain": dict(vendor="0x8086", device="0x10d3", driver="e1000e",
                  total=0, type=1, speed=1000, rdma=False, ib=False),
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"{text}\n")


def write_json(path, obj, **kw):
    """Replace path at once: the fake netlink reads these files while a
    thread of the test writes them."""
    with open(f"{path}.tmp", "w") as f:
        json.dump(obj, f, **kw)
    os.replace(f"{path}.tmp", path)


def link(path, target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


def rel(root, path, frm):
    return os.path.relpath(os.path.join(root, path),
                           os.path.join(root, os.path.dirname(frm)))


def devdir(pci):
    return f"devices/pci0000:00/{pci}"


def vf_pci(pf_pci, i):
    dom, bus, devfn = pf_pci.split(":")
    dev, fn = devfn.split(".")
    rid = int(dev, 16) * 8 + int(fn) + 2 + i      # VF offset 2, stride 1
    return f"{dom}:{bus}:{rid // 8:02x}.{rid % 8}"


def mac(pf_pci, i):
    bus = int(pf_pci.split(":")[1], 16)
    fn = int(pf_pci.split(".")[1])
    return f"02:{bus:02x}:{fn:02x}:00:00:{i:02x}" if i >= 0 else \
        f"0c:42:a1:{bus:02x}:{fn:02x}:00"


def ib_addr(guid):
    g = f"{guid:016x}"
    return "80:00:00:48:fe:80:00:00:00:00:00:00:" + ":".join(
        g[k:k + 2] for k in range(0, 16, 2))


def add_function(root, pci, k, driver, device, numa):
    d = devdir(pci)
    write(f"{root}/{d}/vendor", k["vendor"])
    write(f"{root}/{d}/device", device)
    write(f"{root}/{d}/numa_node", numa)
    write(f"{root}/{d}/class", "0x020000" if k["type"] == 1 else "0x020700")
    link(f"{root}/{d}/driver", rel(root, f"bus/pci/drivers/{driver}",
                                   f"{d}/driver"))
    link(f"{root}/bus/pci/devices/{pci}",
         rel(root, d, f"bus/pci/devices/{pci}"))
    link(f"{root}/bus/pci/drivers/{driver}/{pci}",
         rel(root, d, f"bus/pci/drivers/{driver}/{pci}"))
    for f in ("bind", "unbind"):
        p = f"{root}/bus/pci/drivers/{driver}/{f}"
        if not os.path.exists(p):
            write(p, "")


def add_netdev(root, pci, name, k, address, speed):
    d = f"{devdir(pci)}/net/{name}"
    write(f"{root}/{d}/type", k["type"])
    write(f"{root}/{d}/address", address)
    write(f"{root}/{d}/speed", speed)
    write(f"{root}/{d}/operstate", "up")
    link(f"{root}/{d}/device", f"../../../{pci}")      # as the kernel
    link(f"{root}/class/net/{name}", rel(root, d, f"class/net/{name}"))


def add_rdma(root, pci, ibdev, uverbs, k, guid):
    d = f"{devdir(pci)}/infiniband/{ibdev}"
    g = f"{guid:016x}"
    write(f"{root}/{d}/node_guid",
          ":".join(g[i:i + 4] for i in range(0, 16, 4)))
    write(f"{root}/{d}/ports/1/rate", k["rate"])
    write(f"{root}/{d}/ports/1/state", "4: ACTIVE")
    write(f"{root}/{d}/ports/1/link_layer",
          "InfiniBand" if k["ib"] else "Ethernet")
    link(f"{root}/class/infiniband/{ibdev}",
         rel(root, d, f"class/infiniband/{ibdev}"))
    v = f"{devdir(pci)}/infiniband_verbs/uverbs{uverbs}"
    write(f"{root}/{v}/ibdev", ibdev)
    write(f"{root}/{v}/dev", f"231:{192 + uverbs}")
    link(f"{root}/class/infiniband_verbs/uverbs{uverbs}",
         rel(root, v, f"class/infiniband_verbs/uverbs{uverbs}"))


def rdma_table(netlink, change):
    """Apply change(devices) to DIR/rdma.json."""
    if not netlink:
        return
    os.makedirs(netlink, exist_ok=True)
    path = f"{netlink}/rdma.json"
    table = {"netns_mode": "shared", "devices": []}
    if os.path.exists(path):
        with open(path) as f:
            table = json.load(f)
    change(table["devices"])
    table["devices"].sort(key=lambda d: d["index"])
    write_json(path, table, indent=1)


def rdma_add(netlink, root, pci, ibdev):
    ino = os.stat("/proc/self/ns/net").st_ino
    name = f"mlx5_{ibdev}"

    def change(devices):
        devices[:] = [d for d in devices if d["name"] != name]
        devices.append({"index": ibdev + 1, "name": name, "netns": ino,
                        "sysfs_netns": ino, "sysfs": [
                            f"{root}/{devdir(pci)}/infiniband/{name}",
                            f"{root}/class/infiniband/{name}"]})
    rdma_table(netlink, change)


def rdma_remove(netlink, names):
    def change(devices):
        devices[:] = [d for d in devices if d["name"] not in names]
    rdma_table(netlink, change)


def state_path(root):
    return f"{root}/.fake-node.json"


def load_state(root):
    try:
        with open(state_path(root)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_state(root, st):
    os.makedirs(root, exist_ok=True)
    write_json(state_path(root), st)


def remove_vfs(root, pf, netlink):
    d = devdir(pf["pci"])
    gone = set()
    for entry in sorted(os.listdir(f"{root}/{d}")):
        if not entry.startswith("virtfn"):
            continue
        vf = os.path.basename(os.readlink(f"{root}/{d}/{entry}"))
        vdir = f"{root}/{devdir(vf)}"
        for sub in ("net", "infiniband", "infiniband_verbs"):
            for name in (os.listdir(f"{vdir}/{sub}")
                         if os.path.isdir(f"{vdir}/{sub}") else []):
                cls = {"net": "net", "infiniband": "infiniband",
                       "infiniband_verbs": "infiniband_verbs"}[sub]
                if os.path.lexists(f"{root}/class/{cls}/{name}"):
                    os.unlink(f"{root}/class/{cls}/{name}")
                if sub == "infiniband":
                    gone.add(name)
        for p in (f"{root}/bus/pci/devices/{vf}",
                  f"{root}/bus/pci/drivers/{pf['vf_driver']}/{vf}",
                  f"{root}/{d}/{entry}"):
            if os.path.lexists(p):
                os.unlink(p)
        shutil.rmtree(vdir)
    rdma_remove(netlink, gone)


def set_vfs(root, name, n, netlink):
    st = load_state(root)
    pf = st[name]
    k = KINDS[pf["kind"]]
    remove_vfs(root, pf, netlink)
    d = devdir(pf["pci"])
    vfs = []
    addresses = [ib_addr(0) if k["ib"] else mac(pf["pci"], i)
                 for i in range(n)]
    for address in addresses:
        vf = {"mac": address if not k["ib"] else
              "00:" * 19 + "00", "spoofchk": 1, "trust": 0}
        if k["ib"]:
            vf.update(node_guid="0x0", port_guid="0x0")
        vfs.append(vf)
    # the PF's VF table first and each virtfnN link last, as a backend
    # takes a VF to exist once its virtfnN link does
    if netlink:
        os.makedirs(netlink, exist_ok=True)
        table = {"mac_len": 20 if k["ib"] else 6, "vfs": vfs}
        write_json(f"{netlink}/{name}.json", table, indent=1)
    for i in range(n):
        pci = vf_pci(pf["pci"], i)
        add_function(root, pci, k, k["vf_driver"], k["vf_device"],
                     pf["numa"])
        link(f"{root}/{devdir(pci)}/physfn", f"../{pf['pci']}")
        ifname = pf["vf_name"].format(pf=name, i=i)
        add_netdev(root, pci, ifname, k, addresses[i], k["speed"])
        if k["rdma"]:
            ib = pf["ibdev"] + 1 + i
            add_rdma(root, pci, f"mlx5_{ib}", ib, k, 0 if k["ib"] else
                     0x0c42a10300000000 + (ib << 8))
            rdma_add(netlink, root, pci, ib)
        link(f"{root}/{d}/virtfn{i}", f"../{pci}")
    write(f"{root}/{d}/sriov_numvfs", n)


def add_pf(root, kind, name, pci, n, netlink, vf_name, ibdev):
    k = KINDS[kind]
    st = load_state(root)
    numa = "0" if pci.split(":")[1] < "80" else "1"
    st[name] = dict(kind=kind, pci=pci, numa=numa, vf_name=vf_name,
                    ibdev=ibdev, vf_driver=k.get("vf_driver", ""))
    save_state(root, st)
    add_function(root, pci, k, k["driver"], k["device"], numa)
    d = devdir(pci)
    if k["total"]:
        write(f"{root}/{d}/sriov_totalvfs", k["total"])
        write(f"{root}/{d}/sriov_numvfs", 0)
    add_netdev(root, pci, name, k, ib_addr(0x0c42a10300001000 + ibdev)
               if k["ib"] else mac(pci, -1), k["speed"])
    if k["rdma"]:
        add_rdma(root, pci, f"mlx5_{ibdev}", ibdev, k,
                 0x0c42a10300001000 + ibdev)
        rdma_add(netlink, root, pci, ibdev)
    if k["total"]:
        set_vfs(root, name, n, netlink)
    elif netlink:
        os.makedirs(netlink, exist_ok=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add-pf")
    a.add_argument("kind", choices=sorted(KINDS))
    a.add_argument("name")
    a.add_argument("pci")
    a.add_argument("--vfs", type=int, default=0)
    a.add_argument("--netlink")
    a.add_argument("--vf-name", default="{pf}v{i}")
    a.add_argument("--ibdev", type=int, default=0)
    s = sub.add_parser("set-vfs")
    s.add_argument("name")
    s.add_argument("n", type=int)
    s.add_argument("--netlink")
    args = p.parse_args()
    if args.cmd == "add-pf":
        add_pf(args.root, args.kind, args.name, args.pci, args.vfs,
               args.netlink, args.vf_name, args.ibdev)
    else:
        set_vfs(args.root, args.name, args.n, args.netlink)
    return 0


if __name__ == "__main__":
    sys.exit(main())
