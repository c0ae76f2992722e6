#!/usr/bin/python3
"""The figures' scripts draw what the data says, one case each:

  heatmap_scale   plot_fabric: the color scale's top is the busiest value (a fabric at 1% load
                  was all dark on a 0..1 scale), one scale for the four panels
  sweep_axes      plot_noc_sweep: the latency axis has numbers on it (a log axis spanning less
                  than a decade had none) and an unstable point is marked, apart from the curve
  roofline_labels plot_compare: no two kernel labels overlap (ffn.up, ffn.gate and ffn.down sat
                  on one point), and each kernel is named

Each runs the script on a small JSON written here, catches the figure it saves and looks at it.
Usage: check_plots.py SCRIPTS_DIR CASE FOLDER"""
import importlib.machinery
import importlib.util
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.figure  # noqa: E402
import matplotlib.text  # noqa: E402

scripts, case, folder = pathlib.Path(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
folder.mkdir(parents=True, exist_ok=True)
saved = {}
real_savefig = matplotlib.figure.Figure.savefig


def catch(fig, path, *a, **k):
    saved[str(path)] = fig
    real_savefig(fig, path, *a, **k)


matplotlib.figure.Figure.savefig = catch


def run(script, *args):
    loader = importlib.machinery.SourceFileLoader(script, str(scripts / script))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(script, loader))
    loader.exec_module(module)
    sys.argv = [script, *map(str, args)]
    module.main()


def write(name, data):
    path = folder / name
    path.write_text(json.dumps(data))
    return path


problems = []
if case == "heatmap_scale":
    tiles = [{"x": x, "y": y, "busy": 10 * (x + y), "wait_fabric_in": 0, "wait_fabric_out": 0, "wait_sram": 0,
              "link_utilization": {"north": 0.0, "east": 0.01 * x / 3, "south": 0.004, "west": 0.0}}
             for y in range(3) for x in range(4)]
    path = write("run.json", {"kernel": "gemv", "description": "test", "fabric": {"width": 4, "height": 3,
                                                                                   "cycles": 1000, "tiles": tiles}})
    run("plot_fabric", path, folder / "h")
    for name, top in (("h-links.png", 0.01), ("h-activity.png", 0.05)):
        fig = saved.get(str(folder / name))
        if fig is None:
            problems.append(f"{name} not saved")
            continue
        images = [im for ax in fig.axes for im in ax.get_images()]
        tops = {round(im.get_clim()[1], 9) for im in images}
        if tops != {top}:
            problems.append(f"{name}: color scale tops {sorted(tops)}, expected the busiest value {top} on all four")
elif case == "sweep_axes":
    points = [{"offered_rate": r, "avg_latency_cycles": lat, "p99_latency_cycles": 2 * lat, "stable": st}
              for r, lat, st in ((0.1, 12, True), (0.2, 13, True), (0.3, 16, True), (0.4, 40, False))]
    path = write("sweep.json", {"config": {"mesh": "4x4", "traffic": "uniform", "vcs": 2, "buf": 4,
                                           "packet_flits": 1}, "sweep": points})
    run("plot_noc_sweep", folder / "s.png", path)
    fig = saved[str(folder / "s.png")]
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True) if t.get_text()]
    if len(labels) < 2:
        problems.append(f"the latency axis has {len(labels)} numbers on it: {labels}")
    if not ax.get_xlabel() or not ax.get_ylabel():
        problems.append("an axis has no label")
    marked = [l for l in ax.get_lines() if l.get_marker() == "x" and list(l.get_xdata()) == [0.4]]
    joined = [l for l in ax.get_lines() if l.get_marker() != "x" and 0.4 in list(l.get_xdata())]
    if not marked:
        problems.append("the unstable point at 0.4 is not marked")
    if joined:
        problems.append("the unstable point is joined to a curve")
elif case == "roofline_labels":
    def side(machine, names_points):
        return {"machine": machine, "mode": "test", "peak_flops": 1e16, "peak_bytes_per_s": 1e14,
                "kernels": [{"name": n, "flops": f, "bytes": b, "time_s": t} for n, f, b, t in names_points]}
    # Three kernels on one point, two near it, one apart, on each machine.
    same = [("ffn.up", 1e9, 2e9, 1e-4), ("ffn.gate", 1e9, 2e9, 1e-4), ("ffn.down", 1e9, 2e9, 1.05e-4),
            ("attn.o_proj", 1e9, 2e9, 1.2e-4), ("attn.qkv_proj", 1.1e9, 2e9, 1.3e-4), ("lm_head", 1e10, 1e9, 1e-4)]
    data = {"workload": {"model": "m", "phase": "decode", "batch": 1, "context": 8, "prompt": 8, "dtype": "fp16"},
            "wafer": dict(side("wafer", same), capacity={"fits_one_wafer": True}, breakdown_s={"projections": 1e-3}),
            "gpu": dict(side("gpu", same), breakdown_s={"projections": 2e-3}), "wafer_chosen": "resident"}
    path = write("compare.json", data)
    run("plot_compare", path, folder / "c")
    fig = saved[str(folder / "c-roofline.png")]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.axes[0].texts if t.get_text()]
    named = " ".join(t.get_text() for t in texts)
    for n, *_ in same:
        if named.count(n) != 2:
            problems.append(f"{n} is named {named.count(n)} times, expected once per machine")
    # The text's own box, without an annotation's line to its point.
    boxes = [(t.get_text(), matplotlib.text.Text.get_window_extent(t, renderer)) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if boxes[i][1].overlaps(boxes[j][1]):
                problems.append(f"labels overlap: {boxes[i][0]!r} and {boxes[j][0]!r}")
else:
    sys.exit(f"unknown case {case!r}")
if problems:
    sys.exit("\n".join(problems))
print(f"{case}: ok")
