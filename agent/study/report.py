"""The study's report: ``report.md`` and ``report.html`` with the same tables, PNG plots next to
them (matplotlib, Agg backend), and ``claims.json``.

Tables are built once as :class:`Table` and rendered to both formats, so the two reports cannot
disagree.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from pydantic import BaseModel, ConfigDict

from pepa.agent.metrics import CATEGORIES
from pepa.agent.study.aggregate import group, weights_by_day
from pepa.agent.study.analysis import Findings
from pepa.agent.study.claims import Direction, Verdict
from pepa.agent.study.heatmap import mean_heatmap
from pepa.agent.study.measures import MEASURES
from pepa.agent.study.record import RunRecord, full_runs
from pepa.building.layout import Building

log = logging.getLogger(__name__)

PLOT_DIR = "plots"
HEAT_MIN_MIN = 1.0 / 60.0
"""The heat maps' scale starts at one second per cell (in minutes)."""
DPI = 110
#: The figures of the main table, with their labels and digits.
MAIN_FIGURES: tuple[tuple[str, str, int], ...] = (
    ("coverage", "coverage", 3),
    ("revisit_ratio", "revisit ratio", 3),
    ("distance_m", "distance (m)", 0),
    ("floors_visited", "floors", 1),
    ("rooms_visited", "rooms", 1),
    ("elevator_rides", "elevator rides", 1),
    ("stairs_climbs", "stairs", 1),
    ("social_interactions", "social interactions", 1),
    ("expressions", "expressions", 1),
    ("battery_min", "battery min", 3),
    ("battery_mean", "battery mean", 3),
    ("risky_events", "risky events", 1),
    ("skill_failures", "skill failures", 1),
)
REQUEST_FIGURES: tuple[str, ...] = (
    "received",
    "accepted",
    "deferred",
    "declined",
    "completed",
    "failed",
)
ABLATION_FIGURES: tuple[tuple[str, str, int], ...] = (
    ("coverage", "coverage", 3),
    ("revisit_ratio", "revisit", 3),
    ("distance_m", "distance (m)", 0),
    ("social_interactions", "social", 1),
    ("requests_completed", "completed", 1),
    ("battery_min", "battery min", 3),
    ("time_rest", "rest share", 3),
)
PLOT_FIGURES: tuple[str, ...] = (
    "coverage",
    "revisit_ratio",
    "distance_m",
    "floors_visited",
    "elevator_rides",
    "social_interactions",
    "expressions",
    "battery_min",
    "battery_mean",
    "risky_events",
)


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    headers: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        def cell(s: str) -> str:
            return s.replace("|", "\\|").replace("\n", " ")

        lines = [
            f"### {self.title}",
            "",
            "| " + " | ".join(cell(h) for h in self.headers) + " |",
            "| " + " | ".join("---" for _ in self.headers) + " |",
        ]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self.rows
        )
        return (
            f"<h3>{html.escape(self.title)}</h3>\n"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n"
        )


class Plot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    path: str  # relative to the report


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    text: str = ""
    tables: list[Table] = []
    plots: list[Plot] = []


# --- tables ---------------------------------------------------------------------------------


def main_table(f: Findings) -> Table:
    rows = [
        [name] + [f.table[name][fig].text(d) for fig, _, d in MAIN_FIGURES]
        for name in f.personalities
    ]
    return Table(
        title="Per personality (mean ± standard deviation across seeds)",
        headers=["personality"] + [label for _, label, _ in MAIN_FIGURES],
        rows=rows,
    )


def time_table(f: Findings) -> Table:
    rows = [
        [name] + [f.table[name][f"time_{c}"].text(3) for c in CATEGORIES]
        for name in f.personalities
    ]
    return Table(
        title="Share of time per activity category",
        headers=["personality", *CATEGORIES],
        rows=rows,
    )


def request_table(f: Findings) -> Table:
    rows = [
        [name] + [f.table[name][f"requests_{k}"].text(1) for k in REQUEST_FIGURES]
        for name in f.personalities
    ]
    return Table(title="Requests", headers=["personality", *REQUEST_FIGURES], rows=rows)


def weights_table(f: Findings, records: Sequence[RunRecord]) -> Table:
    by_name = group(full_runs(records))
    features: list[str] = []
    rows = []
    for name in f.personalities:
        w = weights_by_day(by_name.get(name, []))
        features = features or sorted(w)
        rows.append(
            [name]
            + [f"{w[ft][0].mean:.3f} → {w[ft][-1].mean:.3f}" if ft in w else "" for ft in features]
        )
    return Table(
        title="Reward weights: at the start → after the last reflection (mean across seeds)",
        headers=["personality", *features],
        rows=rows,
    )


def stability_tables(f: Findings) -> list[Table]:
    out = []
    for kind, st in f.stability.items():
        rows = [[n, e.text(), str(e.n)] for n, e in st.within.items()]
        rows.append(["all personalities (within)", st.within_all.text(), str(st.within_all.n)])
        rows.append(["between personalities", st.between.text(), str(st.between.n)])
        out.append(
            Table(
                title=f"Jensen–Shannon divergence of the {kind} distribution "
                "(bits; mean [95% bootstrap interval across seeds])",
                headers=["", "divergence", "seeds"],
                rows=rows,
            )
        )
    return out


def claims_table(f: Findings) -> Table:
    mark = {
        Verdict.PASS: "PASS",
        Verdict.FAIL: "FAIL",
        Verdict.SKIPPED: "skipped",
        Verdict.INCONCLUSIVE: "inconclusive",
    }
    rows = []
    for c in f.claims:
        diffs = "; ".join(d.text() for d in c.differences) or c.detail
        rows.append([c.statement, mark[c.verdict], c.measure, c.runs.value, c.resampling, diffs])
    return Table(
        title="Claims (differences: subject − other, mean [95 % bootstrap interval], Cohen's d)",
        headers=["claim", "verdict", "measure", "runs", "resampling unit", "differences"],
        rows=rows,
    )


def measures_tables(f: Findings) -> list[Table]:
    names = f.personalities
    out = []
    for runs, table in f.measures.items():
        rows = [
            [MEASURES[m].label, MEASURES[m].unit.value]
            + [table[m][n].text(3) if n in table.get(m, {}) else "–" for n in names]
            for m in MEASURES
            if m in table
        ]
        out.append(
            Table(
                title=f"Measures, {runs} runs (mean ± standard deviation over the units: "
                "building x seed x day, or building x seed for first-day measures)",
                headers=["measure", "per", *names],
                rows=rows,
            )
        )
    return out


def ablation_table(f: Findings) -> Table | None:
    if not f.ablations:
        return None
    rows = []
    for name in f.personalities:
        for variant, table in f.ablations.items():
            if name not in table:
                continue
            rows.append(
                [name, variant] + [table[name][fig].text(d) for fig, _, d in ABLATION_FIGURES]
            )
    return Table(
        title="Ablations side by side (mean ± standard deviation across seeds)",
        headers=["personality", "variant"] + [label for _, label, _ in ABLATION_FIGURES],
        rows=rows,
    )


def qa_table(f: Findings) -> Table:
    kinds = sorted(f.qa.overall)

    def acc(c: dict[str, tuple[int, int]], k: str) -> str:
        ok, n = c.get(k, (0, 0))
        return f"{ok}/{n} ({100 * ok / n:.0f} %)" if n else "–"

    rows = [[n] + [acc(c, k) for k in kinds] for n, c in f.qa.by_personality.items()]
    rows.append(["all"] + [acc(f.qa.overall, k) for k in kinds])
    return Table(title="Memory QA accuracy per question type", headers=["", *kinds], rows=rows)


# --- plots ----------------------------------------------------------------------------------


def _save(fig: Figure, out_dir: Path, name: str) -> str:
    rel = f"{PLOT_DIR}/{name}.png"
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return rel


def plot_figures(f: Findings, out_dir: Path) -> str:
    n = len(PLOT_FIGURES)
    cols = 5
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    names = f.personalities
    for ax, fig_name in zip(axes.flat, PLOT_FIGURES, strict=False):
        means = [f.table[p][fig_name].mean for p in names]
        stds = [f.table[p][fig_name].std for p in names]
        ax.bar(range(len(names)), means, yerr=stds, capsize=3, color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(names)), names, rotation=40, ha="right", fontsize=8)
        ax.set_title(fig_name.replace("_", " "), fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return _save(fig, out_dir, "figures")


def plot_time_share(f: Findings, out_dir: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = f.personalities
    bottom = np.zeros(len(names))
    for cat in CATEGORIES:
        vals = np.array([f.table[p][f"time_{cat}"].mean for p in names])
        ax.bar(names, vals, bottom=bottom, label=cat)
        bottom += vals
    ax.set_ylabel("share of time")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return _save(fig, out_dir, "time_share")


def plot_requests(f: Findings, out_dir: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    names = f.personalities
    width = 0.8 / len(REQUEST_FIGURES)
    for i, k in enumerate(REQUEST_FIGURES):
        vals = [f.table[p][f"requests_{k}"].mean for p in names]
        errs = [f.table[p][f"requests_{k}"].std for p in names]
        xs = np.arange(len(names)) + i * width
        ax.bar(xs, vals, width, yerr=errs, capsize=2, label=k)
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names)
    ax.set_ylabel("requests")
    ax.legend(fontsize=7, ncol=3)
    return _save(fig, out_dir, "requests")


def plot_weights(f: Findings, records: Sequence[RunRecord], out_dir: Path) -> str:
    by_name = group(full_runs(records))
    names = f.personalities
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=True):
        w = weights_by_day(by_name.get(name, []))
        for feature, points in w.items():
            xs = np.arange(len(points))
            mean = np.array([p.mean for p in points])
            std = np.array([p.std for p in points])
            ax.plot(xs, mean, marker="o", ms=3, label=feature)
            ax.fill_between(xs, mean - std, mean + std, alpha=0.15)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("after day", fontsize=8)
        ax.set_ylim(0, 1)
    axes.flat[0].set_ylabel("weight")
    axes.flat[-1].legend(fontsize=6, loc="upper right")
    fig.tight_layout()
    return _save(fig, out_dir, "weights")


def plot_heatmaps(
    name: str, runs: Sequence[RunRecord], building: Building | None, out_dir: Path
) -> str:
    hm = mean_heatmap([r.heatmap for r in runs])
    floors = sorted(hm.floors)
    fig, axes = plt.subplots(1, len(floors), figsize=(4.2 * len(floors), 2.6), squeeze=False)
    x0, y0 = hm.origin
    rows, cols = hm.shape
    extent = (x0, x0 + cols * hm.cell_m, y0, y0 + rows * hm.cell_m)
    vmax = max(float(hm.array(fl).max()) for fl in floors) or 1.0
    image = None
    for ax, fl in zip(axes.flat, floors, strict=True):
        grid = hm.array(fl) / 60.0  # minutes
        masked = np.ma.masked_less_equal(grid, 0.0)
        image = ax.imshow(
            masked,
            origin="lower",
            extent=extent,
            cmap="YlOrRd",
            norm=LogNorm(vmin=HEAT_MIN_MIN, vmax=max(2 * HEAT_MIN_MIN, vmax / 60.0), clip=True),
        )
        if building is not None:
            for room in building.rooms_on(fl):
                rx0, ry0, rx1, ry1 = room.rect
                ax.add_patch(
                    Rectangle((rx0, ry0), rx1 - rx0, ry1 - ry0, fill=False, lw=0.4, ec="grey")
                )
        ax.set_title(f"{name}: floor {fl}", fontsize=9)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    if image is not None:
        fig.colorbar(image, ax=list(axes.flat), label="minutes per cell", fraction=0.015, pad=0.01)
    return _save(fig, out_dir, f"heatmap_{name.lower()}")


def plot_coverage_growth(f: Findings, records: Sequence[RunRecord], out_dir: Path) -> str:
    """The first day's coverage curve per personality (mean over seeds, band = min..max)."""
    by_name = group(full_runs(records))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name in f.personalities:
        curves = [r.measures.growth.curve for r in by_name.get(name, [])]
        n = min((len(c) for c in curves), default=0)
        if n == 0:
            continue
        hours = np.array([h for h, _ in curves[0][:n]])
        seen = np.array([[c for _, c in curve[:n]] for curve in curves])
        (line,) = ax.plot(hours, seen.mean(axis=0), label=name)
        ax.fill_between(hours, seen.min(axis=0), seen.max(axis=0), alpha=0.15,
                        color=line.get_color())  # fmt: skip
    ax.set_xlabel("hours into the first day")
    ax.set_ylabel("share of reachable area seen")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    return _save(fig, out_dir, "coverage_growth")


def plot_forest(f: Findings, out_dir: Path) -> str:
    """Every claim's differences with their intervals, signed so that right of zero is the
    claim's favour; a stability claim shows its between − within gap."""
    rows: list[tuple[str, float, float | None, float | None, bool]] = []
    for c in f.claims:
        sign = 1.0 if c.direction == Direction.HIGHER else -1.0
        for d in c.differences:
            scale = sign / max(abs(d.subject_mean), abs(d.other_mean), 1e-9)
            ends = sorted(v * scale for v in (d.low, d.high) if v is not None)
            lo, hi = (ends[0], ends[1]) if len(ends) == 2 else (None, None)
            rows.append((f"{c.id}: {d.subject} vs {d.other}", d.diff * scale, lo, hi, c.passed))
    for kind, st in f.stability.items():
        g = st.gap
        if g.value is not None:
            scale = max(abs(st.between.value or 0.0), 1e-9)
            rows.append((f"stable_{kind}: between − within", g.value / scale,
                         None if g.low is None else g.low / scale,
                         None if g.high is None else g.high / scale,
                         g.low is not None and g.low > 0))  # fmt: skip
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(rows) + 1.0))
    for i, (_, mid, lo, hi, ok) in enumerate(rows):
        color = "tab:green" if ok else "tab:red"
        if lo is not None and hi is not None:
            ax.plot([lo, hi], [i, i], color=color, lw=1.5)
        ax.plot([mid], [i], "o", color=color, ms=3)
    ax.axvline(0.0, color="grey", lw=0.8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("difference in the claim's favour (relative to the larger mean)")
    return _save(fig, out_dir, "forest")


def plot_stability(f: Findings, out_dir: Path) -> str:
    kinds = list(f.stability)
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 3), squeeze=False)
    for ax, kind in zip(axes.flat, kinds, strict=True):
        st = f.stability[kind]
        labels = [*st.within, "between"]
        ests = [*st.within.values(), st.between]
        vals = [e.value if e.value is not None else 0.0 for e in ests]
        lo = [v - (e.low if e.low is not None else v) for v, e in zip(vals, ests, strict=True)]
        hi = [(e.high if e.high is not None else v) - v for v, e in zip(vals, ests, strict=True)]
        colors = ["tab:green"] * len(st.within) + ["tab:red"]
        ax.bar(labels, vals, yerr=[lo, hi], capsize=3, color=colors)
        ax.set_title(f"{kind}: within (green) vs between (red)", fontsize=9)
        ax.set_ylabel("JS divergence (bits)")
        ax.tick_params(axis="x", labelrotation=40, labelsize=8)
    fig.tight_layout()
    return _save(fig, out_dir, "stability")


def plot_ablations(f: Findings, out_dir: Path) -> str | None:
    if not f.ablations:
        return None
    variants = list(f.ablations)
    figs = ABLATION_FIGURES
    fig, axes = plt.subplots(1, len(figs), figsize=(3.0 * len(figs), 3), squeeze=False)
    names = f.personalities
    width = 0.8 / len(variants)
    for ax, (fig_name, label, _) in zip(axes.flat, figs, strict=True):
        for i, v in enumerate(variants):
            table = f.ablations[v]
            vals = [table[p][fig_name].mean if p in table else 0.0 for p in names]
            ax.bar(np.arange(len(names)) + i * width, vals, width, label=v)
        ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names, rotation=40, fontsize=7)
        ax.set_title(label, fontsize=9)
    axes.flat[-1].legend(fontsize=6)
    fig.tight_layout()
    return _save(fig, out_dir, "ablations")


# --- the report -----------------------------------------------------------------------------


def sections(
    f: Findings, records: Sequence[RunRecord], building: Building | None, out_dir: Path
) -> list[Section]:
    full = group(full_runs(records))
    # heat maps of one building: the first of a study over several (the one ``building`` is)
    first = min((r.spec.world for r in records), default="")
    here = {n: [r for r in runs if r.spec.world == first] for n, runs in full.items()}
    out = [
        Section(
            title="Trait alignment",
            text="A claim passes only when, for every pair it compares, the 95 % paired "
            "bootstrap interval of the difference excludes zero on the claimed side; it fails "
            "when an interval excludes zero on the other side, and is inconclusive otherwise. "
            "claims.json holds every difference behind each verdict.",
            tables=[claims_table(f), *measures_tables(f)],
            plots=[
                Plot(
                    title="Claims: differences with 95 % intervals", path=plot_forest(f, out_dir)
                ),
                Plot(
                    title="Coverage growth on the first day",
                    path=plot_coverage_growth(f, records, out_dir),
                ),
            ],
        ),
        Section(
            title="Behaviour per personality",
            tables=[main_table(f), time_table(f), request_table(f)],
            plots=[
                Plot(title="Figures per personality", path=plot_figures(f, out_dir)),
                Plot(title="Time per activity", path=plot_time_share(f, out_dir)),
                Plot(title="Requests", path=plot_requests(f, out_dir)),
            ],
        ),
        Section(
            title="Reward weights over the days",
            tables=[weights_table(f, records)],
            plots=[Plot(title="Reward weights", path=plot_weights(f, records, out_dir))],
        ),
        Section(
            title="Where each personality spent its time",
            plots=[
                Plot(title=name, path=plot_heatmaps(name, runs, building, out_dir))
                for name, runs in here.items()
            ],
        ),
        Section(
            title="Stability",
            text="Within: mean Jensen–Shannon divergence between every two days of a run. "
            "Between: mean divergence between two personalities on the same day of the same "
            "seed. Intervals: 95 % percentile bootstrap over seeds.",
            tables=stability_tables(f),
            plots=[Plot(title="Within vs between", path=plot_stability(f, out_dir))],
        ),
    ]
    ab = ablation_table(f)
    if ab is not None:
        plot = plot_ablations(f, out_dir)
        out.append(
            Section(
                title="Ablations",
                text="no_reflection: Sys3 frozen after day 1; no_memory: Sys3's retrieval off; "
                "shuffled_weights: the reward weights permuted among the features.",
                tables=[ab],
                plots=[Plot(title="Ablations", path=plot)] if plot else [],
            )
        )
    out.append(
        Section(
            title="Memory QA",
            text="Questions generated from the simulator's record of each run, answered through "
            "the memory's query tools.",
            tables=[qa_table(f)],
        )
    )
    return out


def _markdown(title: str, intro: str, secs: Sequence[Section]) -> str:
    parts = [f"# {title}", "", intro, ""]
    for s in secs:
        parts += [f"## {s.title}", ""]
        if s.text:
            parts += [s.text, ""]
        parts += [t.markdown() for t in s.tables]
        parts += [f"![{p.title}]({p.path})\n" for p in s.plots]
    return "\n".join(parts)


def _html(title: str, intro: str, secs: Sequence[Section]) -> str:
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}img{max-width:100%}"
    )
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro)}</p>"]
    for s in secs:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        if s.text:
            body.append(f"<p>{html.escape(s.text)}</p>")
        body += [t.html() for t in s.tables]
        body += [
            f'<figure><img src="{html.escape(p.path)}" alt="{html.escape(p.title)}">'
            f"<figcaption>{html.escape(p.title)}</figcaption></figure>"
            for p in s.plots
        ]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_report(
    f: Findings,
    records: Sequence[RunRecord],
    out_dir: Path,
    *,
    building: Building | None = None,
    wall_s: float | None = None,
) -> dict[str, Path]:
    """Writes report.md, report.html, claims.json and the plots; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    secs = sections(f, records, building, out_dir)
    passed = sum(c.verdict == Verdict.PASS for c in f.claims)
    intro = (
        f"{len(f.personalities)} personalities ({', '.join(f.personalities)}) × "
        f"{len(f.seeds)} seeds × {f.days} days; {len(records)} runs in all. "
        f"{passed} of {len(f.claims)} claims pass."
        + (f" Wall time {wall_s:.0f} s." if wall_s is not None else "")
        + f" The runs used {sum(r.cpu_s for r in records):.0f} CPU seconds in all."
    )
    title = "PEPA personality study"
    paths = {
        "md": out_dir / "report.md",
        "html": out_dir / "report.html",
        "claims": out_dir / "claims.json",
    }
    paths["md"].write_text(_markdown(title, intro, secs), encoding="utf-8")
    paths["html"].write_text(_html(title, intro, secs), encoding="utf-8")
    claims = {
        "personalities": f.personalities,
        "seeds": f.seeds,
        "days": f.days,
        "passed": passed,
        "total": len(f.claims),
        "claims": [
            {**c.model_dump(mode="json"), "passed": c.verdict == Verdict.PASS} for c in f.claims
        ],
    }
    paths["claims"].write_text(json.dumps(claims, indent=2), encoding="utf-8")
    return paths
