"""``modelcollapse verify --report DIR``: report.md, its figures, and the run's provenance."""

from __future__ import annotations

import json
from pathlib import Path

from ._core import observe

__all__ = ["FIGURES", "IMAGE_FORMATS", "provenance", "write_report"]

IMAGE_FORMATS = ("png", "svg", "pdf")

#: (file stem, plot function name, caption) of the figures every report carries.
FIGURES = (
    ("variance_growth", "variance_growth",
     "Var(X^n_j) grows linearly in n: closed form against simulation."),
    ("sigma_collapse", "sigma_collapse",
     "E[sigma_n^2] stays while the typical sigma_n^2 collapses to 0: the chains' median and "
     "5-95% band fall geometrically. The simulated mean falls below the exact mean at large n "
     "because the mean is carried by rare chains with huge values; the 95% Chebyshev interval "
     "from the exact variance covers the exact mean, so the gap is no refutation."),
    ("w2_schedules", "w2_schedules",
     "E[W2^2] for constant, linear and M_i = ceil(M0 (i+1)^2) sample sizes: bounded iff "
     "sum 1/M_i < infinity (super-linear growth alone is not enough). For a constant M the "
     "simulated mean falls below the exact mean at large n: the expectation is carried by ever "
     "rarer chains that a finite run does not contain, which is the collapse itself. The "
     "figure draws the chains' median and 5-95% band and a 95% Chebyshev interval for the "
     "mean from a closed-form bound on the variance, which covers the exact mean."),
    ("generation_one_law", "generation_one_law",
     "A fresh generation-one draw X^1_j - mu_1 is variance-gamma: heavier-tailed than normal."),
    ("discrete_diversity", "discrete_diversity",
     "Discrete chains lose their rare categories first; support and entropy decay."),
    ("data_policies", "data_policies",
     "What data is worth keeping: distance to the truth per data policy (replace, accumulate, "
     "accumulate-subsample, a fresh fraction of real data). Gaussian: W2^2 to D0, exact for "
     "replace (the simulated mean again falls short at large n, carried by rare chains) and "
     "the lower bound a_n + (sqrt(v_n) - sigma)^2 otherwise; discrete: heterozygosity (closed "
     "forms), support and entropy; least squares: test error, linear growth against the "
     "pi^2/6 bound. The replace curve is drawn as a distribution (median, 5-95% band) with "
     "the mean's Chebyshev interval, as in the E[W2^2] figure."),
    ("functional_approximation", "functional_approximation",
     "Functional approximation error: a KDE refitted to its own samples widens its spread "
     "(to M h^2 with a fixed bandwidth, geometrically with Scott's rule) where the Gaussian "
     "fit's typical variance collapses; a Gaussian fitted to Laplace or Student-t data loses "
     "the tail beyond D0's quantiles at the first fit."),
    ("mixture_trajectory", "mixture_trajectory",
     "Functional approximation error, EM: a two-component Gaussian mixture refitted by EM to "
     "N = 300 of its own draws, 300 generations, 40 chains (the paper's experiment uses N = "
     "1000 and 2000 generations: plot.mixture_trajectory() with its defaults). What the "
     "simulation shows, with bands over the chains: the smaller weight drifts to 0, the "
     "distance to D0 grows, the total variance follows its exact mean while the components "
     "narrow, and the fraction of chains that lost a component (exact 95% band)."),
)

#: Keyword arguments of the figures drawn smaller than their defaults (which take minutes).
FIGURE_ARGUMENTS = {"mixture_trajectory": {"n": 300, "N": 300, "replicates": 40}}


def _plain(value):
    """A JSON-ready stand-in for numpy scalars and arrays (and, failing that, the text)."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def provenance(report, *, argv=None, wall_time=None):
    """Where, with what and how a verify run was made: the ``provenance`` object of ``--json``.

    Parameters
    ----------
    report : Report
        What :func:`modelcollapse.verify.run` returned.
    argv : sequence of str, optional
        The arguments of the ``modelcollapse`` command (default: the
        interpreter's own command line, ``sys.orig_argv``).
    wall_time : float, optional
        Seconds the run took, if measured.

    Returns
    -------
    dict
        ``package``, ``version``, ``python``, ``numpy``, ``scipy``,
        ``platform``, ``command`` (one shell-quoted string), ``seed``,
        ``alpha``, ``wall_time_seconds`` (``None`` if not measured) and
        ``claims``: per claim its ``name``, ``parameters``,
        ``replicates_requested`` and ``replicates`` (used: at least the
        claim's calibration floor). Only JSON types.

    Examples
    --------
    >>> from modelcollapse import verify
    >>> report = verify.run(["gaussian.mean_squared_error"], quick=True)
    >>> record = provenance(report, argv=["verify", "--quick"])
    >>> record["command"], record["claims"][0]["parameters"]["M"]
    ('modelcollapse verify --quick', 5)
    """
    import platform
    import shlex
    import sys

    import numpy
    import scipy

    from .. import __version__

    command = ["modelcollapse", *argv] if argv is not None else sys.orig_argv
    claims = [
        {"name": r.name, "parameters": r.parameters,
         "replicates_requested": r.replicates_requested, "replicates": r.replicates}
        for r in report.results
    ]
    return json.loads(json.dumps({
        "package": "modelcollapse",
        "version": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
        "command": shlex.join(command),
        "seed": report.seed,
        "alpha": report.alpha,
        "wall_time_seconds": wall_time,
        "claims": claims,
    }, default=_plain))


def _markdown_table(report):
    lines = [
        "| claim | test | closed form | estimate | s.e. | z | p | power vs mutant "
        "| replicates (requested, used) | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report.results:
        closed = "law" if r.closed_form is None else f"{r.closed_form:.6g}"
        se = "" if r.std_error is None else f"{r.std_error:.2g}"
        verdict = f"**{r.verdict}**" if r.verdict == "rejected" else r.verdict
        lines.append(
            f"| `{r.name}` | {r.test} | {closed} | {r.estimate:.6g} | {se} | {r.z:.2f} | "
            f"{r.p_value:.3g} | {r.power:.3f} | {r.replicates_requested}, {r.replicates} | "
            f"{verdict} |"
        )
    return lines


def _verdict_line(report):
    counts = {v: sum(r.verdict == v for r in report.results)
              for v in ("holds", "inconclusive", "rejected")}
    tally = ", ".join(f"{count} {verdict}" for verdict, count in counts.items())
    return (f"Family verdict: {'REJECTED' if report.family_rejected else 'no claim rejected'} "
            f"({tally}). A claim is inconclusive when it is not rejected but its power "
            "against its mutant is below 0.9: it could not have failed reliably.")


def _provenance_lines(record):
    lines = ["## Provenance", "", f"- command: `{record['command']}`"]
    lines += [f"- {key}: {record[key]}" for key in
              ("version", "python", "numpy", "scipy", "platform", "seed", "alpha")]
    if record["wall_time_seconds"] is not None:
        lines.append(f"- wall time: {record['wall_time_seconds']:.1f} s")
    return [*lines, ""]


def write_report(report, directory, *, claims=(), figures=True, image_format="png",
                 record=None):
    """Write ``report.md`` (table, verdicts, provenance) and its figures into ``directory``.

    Parameters
    ----------
    report : Report
        What :func:`modelcollapse.verify.run` returned.
    directory : str or Path
        A folder, created if missing.
    claims : sequence of Claim, optional
        The claims behind ``report``; a QQ-plot is drawn for each law claim
        (its observations are simulated again from the same seed).
    figures : bool, optional
        Draw the figures (needs matplotlib, the ``plot`` extra).
    image_format : {"png", "svg", "pdf"}, optional
        File format of the figures.
    record : dict, optional
        What :func:`provenance` returned (default: computed now, without wall time).

    Returns
    -------
    list of Path
        The files written, ``report.md`` first.
    """
    from .._validate import check_choice

    check_choice("image_format", image_format, IMAGE_FORMATS)
    record = provenance(report) if record is None else record
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
        _verdict_line(report),
        "",
    ]
    by_name = {c.name: c for c in claims}
    if claims:
        text += ["## Claims", ""]
        for r in report.results:
            c = by_name.get(r.name)
            if c is not None:
                text.append(f"- `{c.name}`: {c.statement} ({c.reference}); mutant: "
                            f"{c.mutant_label}; {r.replicates} replicates; {r.parameters}")
        text.append("")
    text += _provenance_lines(record)
    if figures:
        from .. import plot

        def save(fig, stem):
            path = out / f"{stem}.{image_format}"
            fig.savefig(path, dpi=110)
            written.append(path)
            return path.name

        text += ["## Figures", ""]
        for stem, name, caption in FIGURES:
            filename = save(getattr(plot, name)(**FIGURE_ARGUMENTS.get(name, {})), stem)
            text += [f"![{caption}]({filename})", "", caption, ""]
        for r in report.results:
            c = by_name.get(r.name)
            if c is None or c.test != "law":
                continue
            sample = observe(c, r.replicates, report.seed)
            settings = ", ".join(f"{k} = {v}" for k, v in r.parameters.items()
                                 if isinstance(v, int | float) and not isinstance(v, bool))
            title = f"QQ-plot: {c.name}\n{settings}, R = {r.replicates} chains"
            filename = save(plot.quantile_plot(sample, c.closed_form(), title=title),
                            f"qq_{c.name.replace('.', '_')}")
            text += [f"![QQ-plot of {c.name}]({filename})", ""]
    (out / "report.md").write_text("\n".join(text), encoding="utf-8")
    written.insert(0, out / "report.md")
    return written
