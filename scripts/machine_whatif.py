#!/usr/bin/env python3
"""A what-if machine for lp-starpu-sim: a captured machine with more GPUs
of the captured kind, each on a PCIe link of its own, and host memory
given the bandwidth measured on the real node.

    scripts/machine_whatif.py SRC DST --gpus N --host-gbps G [--host-source TEXT]
                              [--name NAME] [--date YYYY-MM-DD]

SRC and DST are directories of perfmodels/machines/.  What changes:

- each new GPU is a copy of CUDA 0: its bus bandwidth and latency to and
  from host memory, its affinity, its PCIe links in the platform, and its
  rows of the codelet's history (the same kernel times);
- between two GPUs a copy goes through host memory (the slower of the two
  legs, the sum of their latencies);
- the "Host" link, which StarPU's platform writer sets to the best PCIe
  bandwidth it measured and puts on every route to host memory (so that
  copies in both directions, and every GPU's, share one PCIe's worth),
  gets G GB/s: what the real node's memory sustains (bench/perf.py's
  memory floor).  Each PCIe link keeps its measured bandwidth, one per
  direction.

Nothing here was measured on a machine with N GPUs: the result is a
model's answer, and machine.conf says so.
"""
import argparse
import datetime
import os
import re
import shutil
import sys

SAMPLING = os.path.join("starpu-home", ".starpu", "sampling")


def conf(path):
    values = {}
    for line in open(path):
        m = re.match(r"\s*([a-z_]+)\s*=\s*(.*)$", line)
        if m and not line.lstrip().startswith("#"):
            values[m.group(1)] = m.group(2).strip()
    return values


def matrix(path):
    """The header line and the rows of a bus matrix file (strings)."""
    lines = open(path).read().splitlines()
    return lines[0], [line.split("\t") for line in lines[1:] if line.strip()]


def write_matrix(path, header, rows):
    with open(path, "w") as f:
        f.write(header + "\n")
        for row in rows:
            f.write("\t".join(row) + "\n")


def grow_matrix(rows, gpus, through_host):
    """Bus ids: 0 host memory, 1.. the CUDA devices, then the OpenCL ones.
    The new CUDA devices go after CUDA 0, copies of it; the file keeps its
    size (the unused ids at the end, NaN, make room)."""
    n = len(rows)
    values = [row[:] for row in rows]
    for k in range(1, gpus):
        values.insert(1 + k, values[1][:])
        for row in values:
            row.insert(1 + k, row[1])
    for i in range(1, gpus + 1):
        for j in range(1, gpus + 1):
            values[i][j] = "0.000000e+00" if i == j else through_host(values[i][0], values[0][j])
    dropped = [c for row in values[n:] for c in row] + [c for row in values for c in row[n:]]
    if any(c != "nan" for c in dropped):
        sys.exit(f"machine_whatif: {gpus} GPUs do not fit the bus files' {n} ids")
    return [row[:n] for row in values[:n]]


def slower(a, b):
    return f"{min(float(a), float(b)):e}"


def summed(a, b):
    return f"{float(a) + float(b):e}"


def grow_affinity(path, gpus):
    lines = open(path).read().splitlines()
    head, rows = lines[0], lines[1:]
    rows = [rows[0]] * gpus + rows[1:]   # CUDA devices first, then OpenCL
    open(path, "w").write("\n".join([head] + rows) + "\n")


def grow_config(path, gpus):
    text = open(path).read()
    text = re.sub(r"^\d+ # Number of CUDA devices", f"{gpus} # Number of CUDA devices", text,
                  flags=re.M)
    open(path, "w").write(text)


def grow_platform(path, gpus, host_bps):
    """New GPUs as copies of CUDA 0 with PCIe links of their own (its slot
    and the bridges above it: a root port each, as in a server whose GPUs
    each have 16 lanes to the processor), host memory at host_bps."""
    text = open(path).read()
    host = re.search(r'<host id="CUDA0".*?</host>', text, re.S).group(0)
    links = re.findall(r'\n\s*<link id="(?:RAM-CUDA0|CUDA0-RAM)"[^>]*/>', text)
    pci = re.findall(r'\n\s*<link id="PCI:[^"]*"[^>]*/>', text)
    routes = re.findall(r'<route src="(?:CUDA0|RAM)" dst="(?:RAM|CUDA0)".*?</route>', text, re.S)
    new_hosts, new_links, new_routes = [], [], []
    for k in range(1, gpus):
        name, own = f"CUDA{k}", (lambda t, k=k: re.sub(r'id="(PCI:[^"]*)"', rf'id="\1/gpu{k}"', t))
        new_hosts.append(host.replace('"CUDA0"', f'"{name}"'))
        new_links += [link.replace("CUDA0", name) for link in links]
        new_links += [own(link) for link in pci]
        new_routes += [own(route.replace("CUDA0", name)) for route in routes]
    for a in range(gpus):
        for b in range(gpus):
            if a != b:   # through host memory: up from a, down to b
                new_routes.append(
                    f'<route src="CUDA{a}" dst="CUDA{b}" symmetrical="NO">'
                    f'<link_ctn id="CUDA{a}-RAM"/><link_ctn id="RAM-CUDA{b}"/>'
                    f'<link_ctn id="Host"/></route>')
    text = text.replace(host, host + "".join("\n   " + h for h in new_hosts))
    text = text.replace(pci[-1], pci[-1] + "".join(new_links), 1)
    text = text.replace(routes[-1], routes[-1] + "".join("\n   " + r for r in new_routes), 1)
    text = re.sub(r'(<link id="Host" bandwidth=")[^"]*(")', rf'\g<1>{host_bps:f}Bps\2', text)
    open(path, "w").write(text)


def grow_model(path, gpus):
    """The codelet's history: CUDA 0's combination copied for each new device."""
    text = open(path).read()
    combs = re.split(r"(?=####################\n# COMB_\d+\n)", text)
    head, combs = combs[0], combs[1:]
    cuda = [c for c in combs if re.search(r"# device type \([^)]*\)\n1\n", c)]
    if len(cuda) != 1:
        sys.exit(f"machine_whatif: {path}: expected one CUDA combination, found {len(cuda)}")
    count = len(combs)
    for k in range(1, gpus):
        copy = re.sub(r"# COMB_\d+\n", f"# COMB_{count}\n", cuda[0], count=1)
        copy = re.sub(r"(# device id \n)0\n", rf"\g<1>{k}\n", copy)
        copy = copy.replace("(Comb0)", f"(Comb{count})").replace("cuda0_impl", f"cuda{k}_impl")
        combs.append(copy if copy.endswith("\n") else copy + "\n")
        count += 1
    head = re.sub(r"(# number of combinations\n)\d+\n", rf"\g<1>{count}\n", head)
    open(path, "w").write(head + "".join(combs))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--gpus", type=int, required=True)
    p.add_argument("--host-gbps", type=float, required=True)
    p.add_argument("--host-source", help="where G comes from (said in machine.conf)")
    p.add_argument("--name")
    p.add_argument("--date", default=datetime.date.today().isoformat())
    a = p.parse_args()
    if a.gpus < 1:
        sys.exit("machine_whatif: --gpus must be 1 or more")
    if os.path.exists(a.dst):
        sys.exit(f"machine_whatif: {a.dst} exists: DST must be a new directory")
    src = conf(os.path.join(a.src, "machine.conf"))
    shutil.copytree(a.src, a.dst)
    host = src["host"]
    bus = os.path.join(a.dst, SAMPLING, "bus")
    for kind, through in (("bandwidth", slower), ("latency", summed)):
        path = os.path.join(bus, f"{host}.{kind}")
        header, rows = matrix(path)
        write_matrix(path, header, grow_matrix(rows, a.gpus, through))
    grow_affinity(os.path.join(bus, f"{host}.affinity"), a.gpus)
    grow_config(os.path.join(bus, f"{host}.config"), a.gpus)
    for name in (f"{host}.platform.xml", f"{host}.platform.v4.xml"):
        grow_platform(os.path.join(bus, name), a.gpus, a.host_gbps * 1e9)
    codelets = os.path.join(a.dst, SAMPLING, "codelets")
    for version in os.listdir(codelets):
        grow_model(os.path.join(codelets, version, f"lp_logprod.{host}"), a.gpus)
    name = a.name or os.path.basename(os.path.normpath(a.dst))
    today = a.date
    lines = [f"# A what-if machine, not a capture: {src['name']} with {a.gpus} GPUs of its",
             f"# kind, each on its own PCIe link, and host memory at {a.host_gbps:g} GB/s",
             f"# (scripts/machine_whatif.py, {today}).  Nothing was measured with",
             f"# {a.gpus} GPUs."]
    if a.host_source:
        lines.append(f"# Host memory: {a.host_source}.")
    lines += [
             f"name = {name}", f"host = {host}",
             f"captured = what-if of {src['name']} ({src['captured']}), {today}",
             f"description = {a.gpus} x the GPU of {src['name']}, host memory "
             f"{a.host_gbps:g} GB/s (what-if)",
             f"ncpu = {src['ncpu']}", f"ncuda = {a.gpus}"]
    if "cpu_impl" in src:
        lines.append(f"cpu_impl = {src['cpu_impl']}")
    open(os.path.join(a.dst, "machine.conf"), "w").write("\n".join(lines) + "\n")
    print(f"machine_whatif: {a.dst}: {a.gpus} GPUs, host memory {a.host_gbps:g} GB/s")


if __name__ == "__main__":
    main()
