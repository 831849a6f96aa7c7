"""results.md, results.csv, results.json, results.png, and the sweep's
sweep.csv and sweep.png."""
import csv
import json
import sys

from .results import OK

CSV_FIELDS = ["key", "label", "group", "status", "rows", "best_s", "median_s", "mrows_per_s",
              "extrapolated", "measured_rows", "checksum", "rel_error", "note", "reason"]
SWEEP_FIELDS = ["intensity", "rows", "key", "label", "status", "best_s", "median_s",
                "ns_per_row", "rel_error", "reason"]


def fmt_time(s):
    return f"{s:.2f} s" if s >= 1 else f"{s * 1e3:.1f} ms" if s >= 1e-3 else f"{s * 1e6:.0f} µs"


def mrows_per_s(row):
    return row.rows / row.best_s / 1e6 if row.status == OK else None


def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({**r.as_dict(), "mrows_per_s": mrows_per_s(r)})


def write_sweep_csv(points, path):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SWEEP_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(points)


def write_json(meta, rows, points, path):
    with open(path, "w") as f:
        json.dump({**meta, "results": [r.as_dict() for r in rows], "sweep": points}, f, indent=2)
        f.write("\n")


def main_table(rows):
    """One line per approach; the time of a FAILED or skipped row is not shown."""
    loop = next((r for r in rows if r.key == "python-loop" and r.status == OK), None)
    lines = ["| approach | best | median | Mrows/s | × Python loop | checksum rel. error | notes |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        if r.status != OK:
            lines.append(f"| {r.label} | {r.status} | | | | "
                         f"{'' if r.rel_error is None else f'{r.rel_error:.1e}'} | {r.reason} |")
            continue
        approx = "≈ " if r.extrapolated else ""
        speedup = f"{loop.best_s / r.best_s:,.0f}×" if loop else ""
        lines.append(f"| {r.label} | {approx}{fmt_time(r.best_s)} | {approx}{fmt_time(r.median_s)} "
                     f"| {mrows_per_s(r):,.1f} | {speedup} | {r.rel_error:.1e} | {r.note} |")
    return "\n".join(lines)


def sweep_tables(points):
    """Per intensity: approaches down, N across, best time per row in ns."""
    measured = {p["label"] for p in points if p["status"] == OK}
    absent = dict((p["label"], p["reason"]) for p in points if p["label"] not in measured)
    out = [f"Not measured here: {label} ({reason}).\n" for label, reason in absent.items()]
    for k in sorted({p["intensity"] for p in points}):
        pts = [p for p in points if p["intensity"] == k and p["label"] in measured]
        sizes = sorted({p["rows"] for p in pts})
        labels = list(dict.fromkeys(p["label"] for p in pts))
        out.append(f"Intensity {k} ({3 * k} logarithms per row), best ns per row:\n")
        out.append("| approach | " + " | ".join(f"N={n:.0e}".replace("e+0", "e") for n in sizes) + " |")
        out.append("| --- |" + " ---: |" * len(sizes))
        for label in labels:
            cells = []
            for n in sizes:
                p = next((p for p in pts if p["label"] == label and p["rows"] == n), None)
                cells.append("" if p is None else f"{p['ns_per_row']:.2f}" if p["status"] == OK
                             else p["status"])
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


# The crossover's two sides: approaches that run on a GPU only, and on CPU
# cores only (the scheduled run uses both, so it is on neither side).
GPU_KEYS = ("lp-cuda", "cupy", "numba-cuda")
CPU_KEYS = ("lp-cpu", "numpy", "numba-parallel")


def crossover_table(points):
    """At the largest N (where GPU and CPU approaches both ran): approaches
    down, intensities across, best ms; then
    the fastest GPU approach over the fastest CPU one at each intensity (below
    1: the GPU wins) and the intensity from which on it wins. Empty with one
    intensity."""
    ok = [p for p in points if p["status"] == OK]
    ks = sorted({p["intensity"] for p in ok})
    if len(ks) < 2:
        return ""
    # The largest N where both sides ran (a side skipped for time at a
    # larger N leaves nothing to compare there), else the largest.
    both = ({p["rows"] for p in ok if p["key"] in GPU_KEYS}
            & {p["rows"] for p in ok if p["key"] in CPU_KEYS})
    n = max(both or {p["rows"] for p in ok})
    at = {(p["key"], p["intensity"]): p for p in ok if p["rows"] == n}
    labels = dict.fromkeys((p["key"], p["label"]) for p in ok if p["rows"] == n)
    out = [f"Crossover at N={n:.0e}".replace("e+0", "e") + ", best ms per run:\n",
           "| approach | " + " | ".join(f"K={k}" for k in ks) + " |",
           "| --- |" + " ---: |" * len(ks)]
    for key, label in labels:
        cells = [f"{at[(key, k)]['best_s'] * 1e3:.2f}" if (key, k) in at else "" for k in ks]
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    def fastest(keys, k):
        return min((at[(key, k)]["best_s"] for key in keys if (key, k) in at), default=None)

    ratios = {}
    for k in ks:
        gpu, cpu = fastest(GPU_KEYS, k), fastest(CPU_KEYS, k)
        if gpu is not None and cpu is not None:
            ratios[k] = gpu / cpu
    if not ratios:
        return "\n".join(out) + "\n\nNo GPU approach and CPU approach both measured: no crossover.\n"
    out.append("| fastest GPU / fastest CPU approach | "
               + " | ".join(f"{ratios[k]:.2f}" if k in ratios else "" for k in ks) + " |")
    wins = [k for k in ratios if all(ratios[j] < 1 for j in ratios if j >= k)]
    last = max(ratios)
    out.append("")
    out.append(f"The GPU wins from K={wins[0]} on ({1 / ratios[last]:.2f}x faster at K={last})."
               if wins else f"The GPU does not win up to K={last} "
               f"(the fastest CPU approach {ratios[last]:.2f}x faster there).")
    return "\n".join(out) + "\n"


def write_markdown(meta, rows, points, path, charts):
    """`charts`: whether the PNGs were drawn (matplotlib may be missing)."""
    m = meta["machine"]
    cfg = meta["config"]
    lines = [
        f"# lp-starpu comparison: {m['description']}",
        "",
        f"{meta['date']}; {m['cores']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, "
        f"{', '.join(m['gpus']) or 'no GPU'}; {m['os']}.",
        f"N = {cfg['rows']:,} rows of seed data (x = y = z = i), best and median of "
        f"{cfg['repeat']} timed runs after {cfg['warmup']} untimed warm-up run(s); each run "
        "from input in host RAM to out in host RAM. Every checksum is checked against "
        f"lp-starpu's verified reference {meta['reference_checksum']!r} (relative tolerance "
        f"{cfg['checksum_rtol']:g}). Load average (1 min) {meta['load_average_1min']['start']:.2f} "
        f"at the start, {meta['load_average_1min']['end']:.2f} at the end (which counts "
        "the comparison's own last runs too).",
        "",
        main_table(rows),
        "",
        *(["![time per approach](results.png)", ""] if charts else []),
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()
                                 if v and k not in ("lp-starpu", "mpirun"))
        + f"; {m['versions']['lp-starpu'].splitlines()[1]}.",
    ]
    if points:
        lines += ["", "## Crossover sweep", "",
                  f"Best of {cfg['sweep_repeat']} timed runs per point; a point whose predicted run "
                  f"time exceeds {cfg['sweep_budget_s']:g} s (linear in N from the last one "
                  "measured, or in the work per row from the nearest smaller intensity at this N) "
                  "is skipped.", "", crossover_table(points), sweep_tables(points)] + (
                      ["![sweep](sweep.png)"] if charts else [])
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        print("[compare] matplotlib not installed: no PNG charts", file=sys.stderr)
        return None
    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt
    return plt


def bar_chart(rows, title, path):
    """Horizontal bars, one per measured approach, log-scale time, each
    labelled with its time; extrapolated bars hatched."""
    plt = _pyplot()
    ok = [r for r in rows if r.status == OK]
    if plt is None or not ok:
        return False
    ok.sort(key=lambda r: r.best_s, reverse=True)  # fastest at the top
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(ok) + 1.6))
    colours = {"Python": "tab:blue", "lp-starpu": "tab:orange"}
    bars = ax.barh([r.label for r in ok], [r.best_s for r in ok],
                   color=[colours[r.group] for r in ok])
    for bar, r in zip(bars, ok):
        if r.extrapolated:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
        text = ("≈ " if r.extrapolated else "") + fmt_time(r.best_s) + (
            " (extrapolated)" if r.extrapolated else "")
        ax.text(bar.get_width() * 1.08, bar.get_y() + bar.get_height() / 2, text,
                va="center", fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(min(r.best_s for r in ok) / 2, max(r.best_s for r in ok) * 12)
    ax.set_xlabel("best time, seconds (log scale; shorter is faster)")
    ax.set_title(title, fontsize=10)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax.legend(handles, list(colours), loc="upper right", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def sweep_chart(points, title, path):
    """Time per row against N, log-log, one line per approach, one panel
    per intensity: where a line drops below another is the crossover."""
    plt = _pyplot()
    if plt is None or not points:
        return False
    ks = sorted({p["intensity"] for p in points})
    cols = 2 if len(ks) > 1 else 1
    nrows = (len(ks) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6 * cols, 4.2 * nrows), squeeze=False)
    labels = list(dict.fromkeys(p["label"] for p in points))
    styles = {label: (f"C{i}", "o^sDvP*X"[i % 8]) for i, label in enumerate(labels)}
    for ax, k in zip(axes.flat, ks):
        for label in labels:
            pts = sorted((p["rows"], p["ns_per_row"]) for p in points
                         if p["intensity"] == k and p["label"] == label and p["status"] == OK)
            if pts:
                colour, marker = styles[label]
                ax.plot(*zip(*pts), marker=marker, color=colour, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"intensity {k} ({3 * k} logs per row)", fontsize=10)
        ax.set_xlabel("rows N")
        ax.set_ylabel("best time per row, ns")
        ax.grid(True, which="major", alpha=0.3)
    for ax in list(axes.flat)[len(ks):]:
        ax.set_visible(False)
    legend = {}  # every approach once, even one that only some panels have
    for ax in axes.flat:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(name, handle)
    names = list(legend)
    fig.legend(list(legend.values()), names, loc="lower center", ncol=min(3, len(names)), fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.08, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
