"""``modelcollapse verify --report DIR``: report.md and its figures."""

from __future__ import annotations

from pathlib import Path

from ._core import observe

__all__ = ["write_report"]

#: (file name, plot function name, caption) of the figures every report carries.
FIGURES = (
    ("variance_growth.png", "variance_growth",
     "Var(X^n_j) grows linearly in n: closed form against simulation."),
    ("sigma_collapse.png", "sigma_collapse",
     "E[sigma_n^2] stays while the typical sigma_n^2 collapses to 0."),
    ("w2_schedules.png", "w2_schedules",
     "E[W2^2] for constant, linear and super-linear sample sizes. For a constant M the "
     "simulated mean falls below the closed form at large n: the expectation is carried by "
     "ever rarer chains that a finite run does not contain, which is the collapse itself."),
    ("generation_one_law.png", "generation_one_law",
     "A fresh generation-one draw X^1_j - mu_1 is variance-gamma: heavier-tailed than normal."),
    ("discrete_diversity.png", "discrete_diversity",
     "Discrete chains lose their rare categories first; support and entropy decay."),
    ("data_policies.png", "data_policies",
     "What data is worth keeping: distance to the truth per data policy (replace, accumulate, "
     "accumulate-subsample, a fresh fraction of real data). Gaussian: W2^2 to D0, exact for "
     "replace (the simulated mean again falls short at large n, carried by rare chains) and "
     "the lower bound a_n + (sqrt(v_n) - sigma)^2 otherwise; discrete: heterozygosity (closed "
     "forms), support and entropy; least squares: test error, linear growth against the "
     "pi^2/6 bound."),
    ("functional_approximation.png", "functional_approximation",
     "Functional approximation error: a KDE refitted to its own samples widens its spread "
     "(to M h^2 with a fixed bandwidth, geometrically with Scott's rule) where the Gaussian "
     "fit's typical variance collapses; a Gaussian fitted to Laplace or Student-t data loses "
     "the tail beyond D0's quantiles at the first fit."),
)


def _markdown_table(report):
    lines = [
        "| claim | test | closed form | estimate | s.e. | z | p | verdict | power vs mutant |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.results:
        closed = "law" if r.closed_form is None else f"{r.closed_form:.6g}"
        se = "" if r.std_error is None else f"{r.std_error:.2g}"
        lines.append(
            f"| `{r.name}` | {r.test} | {closed} | {r.estimate:.6g} | {se} | {r.z:.2f} | "
            f"{r.p_value:.3g} | {'**REJECTED**' if r.rejected else 'holds'} | {r.power:.3f} |"
        )
    return lines


def write_report(report, directory, *, claims=(), figures=True):
    """Write ``report.md`` (table, settings, seed) and PNG figures into ``directory``.

    Parameters
    ----------
    report : Report
        What :func:`modelcollapse.verify.run` returned.
    directory : str or Path
        Created if missing.
    claims : sequence of Claim, optional
        The claims behind ``report``; a QQ-plot is drawn for each law claim
        (its observations are simulated again from the same seed).
    figures : bool, optional
        Draw the figures (needs matplotlib, the ``plot`` extra).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    text = [
        "# modelcollapse verify report",
        "",
        f"Family-wise false-alarm rate alpha = {report.alpha} (Holm), seed = {report.seed}. "
        "Each claim holds a Monte Carlo estimate against its closed form; its power is that "
        "of the level alpha/m test against the claim's mutant (a deliberately wrong formula).",
        "",
        *_markdown_table(report),
        "",
        f"Family verdict: {'REJECTED' if report.family_rejected else 'every claim holds'}.",
        "",
    ]
    by_name = {c.name: c for c in claims}
    if claims:
        text += ["## Claims", ""]
        for r in report.results:
            c = by_name.get(r.name)
            if c is not None:
                text.append(f"- `{c.name}`: {c.statement} ({c.reference}); mutant: "
                            f"{c.mutant_label}; {r.replicates} replicates; {c.parameters}")
        text.append("")
    if figures:
        from .. import plot

        text += ["## Figures", ""]
        for filename, name, caption in FIGURES:
            fig = getattr(plot, name)()
            fig.savefig(out / filename, dpi=110)
            written.append(out / filename)
            text += [f"![{caption}]({filename})", "", caption, ""]
        for r in report.results:
            c = by_name.get(r.name)
            if c is None or c.test != "law":
                continue
            sample = observe(c, r.replicates, report.seed)
            fig = plot.quantile_plot(sample, c.closed_form(), title=f"QQ-plot: {c.name}")
            filename = f"qq_{c.name.replace('.', '_')}.png"
            fig.savefig(out / filename, dpi=110)
            written.append(out / filename)
            text += [f"![QQ-plot of {c.name}]({filename})", ""]
    (out / "report.md").write_text("\n".join(text), encoding="utf-8")
    written.insert(0, out / "report.md")
    return written
