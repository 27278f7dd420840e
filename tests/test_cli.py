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
    assert {"alpha", "seed", "claims", "family_rejected", "verdicts", "provenance"} <= set(report)
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


def test_json_provenance_names_versions_command_settings_and_each_claim(capsys):
    import numpy
    import scipy

    argv = ["verify", "--quick", "--json", "--seed", "7", "--claim", CLAIM]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)["provenance"]
    assert record["version"] == modelcollapse.__version__
    assert (record["numpy"], record["scipy"]) == (numpy.__version__, scipy.__version__)
    assert record["python"] == ".".join(map(str, sys.version_info[:3])) and record["platform"]
    assert record["command"] == "modelcollapse " + " ".join(argv)
    assert (record["seed"], record["alpha"]) == (7, 0.01) and record["wall_time_seconds"] > 0
    (claim,) = record["claims"]
    assert claim["name"] == CLAIM and claim["parameters"]["M"] == 5
    assert claim["replicates"] >= claim["replicates_requested"] >= 2


def test_a_claim_without_power_is_inconclusive_and_exits_0(tmp_path, capsys):
    """Few replicates: nothing rejected, but too little power to call the claim held."""
    argv = ["verify", "--claim", CLAIM, "--replicates", "30", "--json"]
    assert main(argv) == 0
    (claim,) = json.loads(capsys.readouterr().out)["claims"]
    assert claim["verdict"] == "inconclusive" and claim["power"] < 0.9


def test_report_table_carries_verdicts_replicates_and_provenance(tmp_path, capsys):
    from modelcollapse import verify
    from modelcollapse.verify.report import write_report

    report = verify.run([CLAIM, "gaussian.sigma_mean"], replicates=30, seed=1)
    (path,) = write_report(report, tmp_path, figures=False)
    text = path.read_text()
    for r in report.results:
        row = next(line for line in text.splitlines() if f"`{r.name}`" in line)
        assert row.endswith(f"| {r.replicates_requested}, {r.replicates} | {r.verdict} |")
    tally = {v: sum(r.verdict == v for r in report.results)
             for v in ("holds", "inconclusive", "rejected")}
    assert ", ".join(f"{k} {v}" for v, k in tally.items()) in text
    assert f"- numpy: {__import__('numpy').__version__}" in text


def test_report_figures_in_every_format(tmp_path, monkeypatch, capsys):
    """--format reaches every figure (one cheap figure stands for all six, to save time)."""
    pytest.importorskip("matplotlib")
    from modelcollapse.verify import report

    monkeypatch.setattr(report, "FIGURES", report.FIGURES[:1])
    magic = {"svg": b"<?xml", "pdf": b"%PDF"}
    for fmt, head in magic.items():
        folder = tmp_path / fmt
        assert main(["verify", "--quick", "--claim", CLAIM, "--report", str(folder),
                     "--format", fmt]) == 0
        (image,) = folder.glob(f"*.{fmt}")
        assert image.read_bytes().startswith(head) and image.name in (
            folder / "report.md").read_text()


def test_progress_is_one_line_per_claim_when_stderr_is_not_a_terminal():
    done = _python("-m", "modelcollapse", "verify", "--quick", "--claim", CLAIM,
                   "gaussian.sigma_mean")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and "\r" not in done.stderr
    assert lines[0].startswith(f"verify: claim 1/2 {CLAIM} done (")
    assert lines[1].startswith("verify: claim 2/2 gaussian.sigma_mean done (")
    assert all(line.endswith(" s elapsed)") for line in lines)


def test_calibration_speaks_once_per_seed_when_stderr_is_not_a_terminal():
    done = _python("-m", "modelcollapse", "verify", "--claim", CLAIM, "--calibrate", "3",
                   "--replicates", "200", "--alpha", "0.2")
    lines = done.stderr.splitlines()
    assert [line.split(" ")[2] for line in lines] == ["1/3", "2/3", "3/3"], done.stderr
    assert all(line.startswith("verify: seed ") for line in lines)


def _closed_loopback_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def not_a_scheduler():
    """A loopback TCP peer that answers every connection with an HTTP error, not dask."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                peer, _ = server.accept()
            except OSError:
                return
            with peer:
                peer.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def _usage_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["--workers", "0"], "--workers must be an integer >= 1, got 0"),
        (["--workers", "-3"], "--workers must be an integer >= 1, got -3"),
        (["--scheduler", ""], "--scheduler needs an address"),
        (["--scheduler", "   "], "--scheduler needs an address"),
        (["--scheduler", "tcp://127.0.0.1"], "cannot connect"),
    ],
)
def test_bad_parallel_flags_are_usage_errors(flags, message, capsys):
    assert message in _usage_error(["verify", "--claim", CLAIM, *flags], capsys)


def test_unreachable_scheduler_is_a_usage_error_at_once(capsys):
    import time

    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_closed_loopback_port()}"
    start = time.perf_counter()
    err = _usage_error(["verify", "--claim", CLAIM, "--scheduler", address], capsys)
    assert f"--scheduler '{address}': cannot connect" in err
    assert time.perf_counter() - start < 5  # not dask's 30 s of retries


def test_a_peer_that_is_not_a_dask_scheduler_is_a_usage_error(not_a_scheduler, capsys):
    pytest.importorskip("distributed")
    err = _usage_error(["verify", "--claim", CLAIM, "--scheduler", not_a_scheduler], capsys)
    assert "did not answer as a dask scheduler" in err


def test_a_running_dask_scheduler_passes_the_probe(capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        argv = ["verify", "--quick", "--json", "--claim", CLAIM,
                "--scheduler", cluster.scheduler_address]
        assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["claims"][0]["name"] == CLAIM


def test_report_onto_an_existing_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "report.md"
    target.write_text("keep me")
    err = _usage_error(["verify", "--claim", CLAIM, "--report", str(target)], capsys)
    assert "is an existing file" in err and target.read_text() == "keep me"


def test_report_into_an_unwritable_folder_is_a_usage_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = _usage_error(["verify", "--claim", CLAIM, "--report", str(blocker / "sub")], capsys)
    assert "--report cannot write into" in err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permission bits do not bind root")
def test_report_into_a_read_only_folder_is_a_usage_error(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    err = _usage_error(["verify", "--claim", CLAIM, "--report", str(folder)], capsys)
    assert "--report cannot write into" in err


def test_report_without_matplotlib_names_the_install_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    err = _usage_error(["verify", "--claim", CLAIM, "--report", str(tmp_path)], capsys)
    assert "python -m pip install 'modelcollapse[plot]'" in err


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


def test_progress_keeps_a_bar_on_a_terminal_and_lines_elsewhere():
    import io

    from modelcollapse._progress import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, log = Terminal(), io.StringIO()
    assert list(progress([1, 2, 3], desc="verify", unit="seed", stream=terminal)) == [1, 2, 3]
    assert "\r" in terminal.getvalue() and "3/3" in terminal.getvalue()
    assert list(progress([1, 2, 3], desc="verify", unit="seed", stream=log)) == [1, 2, 3]
    assert [line.split(" (")[0] for line in log.getvalue().splitlines()] == [
        "verify: seed 1/3 1 done", "verify: seed 2/3 2 done", "verify: seed 3/3 3 done"]
