"""The command line: exit codes, table and JSON output."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import modelcollapse
from modelcollapse.cli import main

CLAIM = "gaussian.mean_squared_error"
#: Subprocesses import the package under test, not whichever copy is installed.
ENV = dict(os.environ, PYTHONPATH=str(Path(modelcollapse.__file__).parents[1]))


def _python(*argv, **kwargs):
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=ENV,
                          check=False, **kwargs)


def test_verify_prints_a_table_and_exits_0_when_every_claim_holds(capsys):
    assert main(["verify", "--quick", "--claim", CLAIM, "gaussian.sigma_mean"]) == 0
    out = capsys.readouterr().out
    assert CLAIM in out and "holds" in out and "Holm" in out


def test_verify_json_has_the_documented_schema(capsys):
    assert main(["verify", "--quick", "--json", "--claim", CLAIM]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"alpha", "seed", "claims", "family_rejected"}
    (claim,) = report["claims"]
    assert {"name", "reference", "closed_form", "estimate", "std_error", "p_value", "rejected",
            "power"} <= set(claim)
    assert claim["name"] == CLAIM and report["family_rejected"] is False


def test_verify_exits_1_when_a_claim_is_rejected(capsys):
    """A deliberately underpowered-free rejection: alpha close to 1 rejects (almost) anything."""
    assert main(["verify", "--claim", CLAIM, "--alpha", "0.999999", "--replicates", "50"]) == 1
    assert "REJECT" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["verify", "--alpha", "0"], "alpha must be in (0, 1)"),
        (["verify", "--claim", "no.such.claim"], "unknown claim 'no.such.claim'"),
        (["verify", "--replicates", "1"], "replicates must be an integer >= 2"),
        (["verify", "--seed", "-3"], "seed must be an integer >= 0"),
    ],
)
def test_verify_usage_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


def test_list_names_every_claim_once(capsys):
    from modelcollapse.verify import registry

    assert main(["verify", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == [c.name for c in registry()] and len(set(names)) == len(names)


def test_python_dash_m_runs_the_same_cli():
    done = _python("-m", "modelcollapse", "verify", "--quick", "--claim", CLAIM)
    assert done.returncode == 0, done.stderr
    assert CLAIM in done.stdout


def test_report_writes_markdown_and_nonempty_figures(tmp_path, capsys):
    assert main(["verify", "--quick", "--claim", CLAIM, "--report", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert CLAIM in report and "seed = 0" in report
    pngs = sorted(tmp_path.glob("*.png"))
    assert {p.name for p in pngs} >= {"variance_growth.png", "sigma_collapse.png",
                                      "w2_schedules.png", "discrete_diversity.png"}
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert png.name in report


def test_calibrate_prints_the_observed_rate_with_its_interval(capsys):
    argv = ["verify", "--claim", CLAIM, "--calibrate", "20", "--alpha", "0.2",
            "--replicates", "500", "--json"]
    code = main(argv)
    result = json.loads(capsys.readouterr().out)
    assert result["runs"] == 20 and 0 <= result["rejections"] <= 20
    low, high = result["interval"]
    assert code == (0 if low <= 0.2 <= high else 1)


def test_scheduler_and_workers_together_are_a_usage_error(capsys):
    assert main(["verify", "--claim", CLAIM, "--workers", "2", "--scheduler", "tcp://x:1"]) == 2
    assert "not both" in capsys.readouterr().err


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"modelcollapse {modelcollapse.__version__}"


def test_help_and_import_do_not_load_the_numerical_stack():
    """The package imports its submodules on first use, so --help costs no numpy/scipy import."""
    code = ("import sys, modelcollapse; from modelcollapse.cli import _parser; "
            "_parser().format_help(); "
            "print(sorted(m for m in ('numpy', 'scipy', 'sympy', 'statsmodels', 'ot') "
            "if m in sys.modules))")
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_lazy_package_exposes_every_public_name():
    from modelcollapse import GaussianChain, gaussian

    assert set(modelcollapse.__all__) <= set(dir(modelcollapse))
    assert GaussianChain is gaussian.GaussianChain
    assert all(getattr(modelcollapse, name) is not None for name in modelcollapse.__all__)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        modelcollapse.no_such_name  # noqa: B018
