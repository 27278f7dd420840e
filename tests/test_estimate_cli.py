"""``modelcollapse estimate`` on malformed CSVs: one line naming file, row and column, exit 2."""

import re

import pytest

from modelcollapse.cli import main

GOOD = "generation,a,b\n0,0.5,0.5\n1,0.4,0.6\n2,0.3,0.7\n"


@pytest.mark.parametrize(
    "text, flags, message",
    [
        ("generaton,a,b\n0,0.5,0.5\n1,0.4,0.6\n", [],
         r"row 1, column 1: header 'generaton' looks like 'generation'; spell it"),
        ("generation,a,b\n0,0.5,0.5\n1,0.4\n", [],
         r"row 3 has 2 fields but the header \(row 1\) has 3 \(a missing column\?\)"),
        ("generation,a,b\n0,0.5,0.5,0\n1,0.4,0.6\n", [],
         r"row 2 has 4 fields but the header \(row 1\) has 3 \(an extra column\?\)"),
        ("0.5,0.5\n0.4,0.6,0\n", [], r"row 2 has 3 fields but row 1 has 2"),
        ("generation,a,b\n0,50,50\n1,40,60\n", [],
         r"row 2: values sum to 100; pass frequencies, or counts with --counts"),
        ("generation,a,b\n0,0.5,0.5\n1,0.4,0.7\n", [],
         r"row 3: values sum to 1.1; each row must be the frequencies of one generation"),
        ("generation,variance\n0,1.0\n1,0.9\n2,0.8\n", [],
         r"one value column \(the header names a variance\).*pass --kind variances"),
        ("generation,a,b\n0,0.5,0.5\n1,,0.6\n", [], r"row 3, column 2 \('a'\): empty"),
        ("0.5,0.5\n0.4,inf\n", [], r"row 2, column 2: 'inf' is not a finite number"),
        ("0.5,0.5\n-0.1,1.1\n", [], r"row 2, column 1: a frequency must be >= 0, got -0.1"),
        ("a,b\n0.5,0.5\n1.5,x\n", [], r"row 3, column 2 \('b'\): 'x' is not a finite number"),
        ("0.5,b\n0.5,0.5\n", [], r"row 1, column 2: 'b' is not a number; a header row"),
        ("a,b\n", [], r"only a header row"),
        ("\n\n", [], r"no rows"),
        ("0.5," + "7" * 140_000 + "\n", [], r"row 1: not a CSV of numbers \(field larger"),
        ("generation,a,b\n0,5,5\n1,4.5,5.5\n", ["--counts"],
         r"row 3, column 2: --counts needs whole counts, got 4.5; drop --counts"),
        ("generation,variance\n0,1.0\n1,-0.9\n", ["--kind", "variances"],
         r"row 3, column 2: a fitted variance must be > 0, got -0.9"),
        ("generation,a,b\n0,0.5,0.5\n", ["--kind", "variances"],
         r"--kind variances needs one value column"),
        (GOOD, ["--counts", "--kind", "variances"], r"--counts applies to --kind frequencies"),
        ("a,b\n0.5,0.5\n", [], r"table\.csv: freqs must be a 2-D array .* at least 2 generations"),
    ],
)
def test_malformed_table_is_one_clean_line(tmp_path, capsys, text, flags, message):
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["estimate", str(path), *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and str(path) in err
    assert err.startswith("modelcollapse estimate: error: ")
    assert re.search(message, err), err


def test_byte_order_mark_without_header_keeps_the_first_row(tmp_path, capsys):
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    rows = "0.5,0.5\n0.4,0.6\n0.3,0.7\n"
    plain.write_text(rows, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + rows.encode())
    assert main(["estimate", str(plain), "--json"]) == 0
    expected = capsys.readouterr().out
    assert main(["estimate", str(bom), "--json"]) == 0
    assert capsys.readouterr().out == expected and '"generations": 3' in expected


def test_counts_are_normalised_rows(tmp_path, capsys):
    counts, freqs = tmp_path / "counts.csv", tmp_path / "freqs.csv"
    counts.write_text("generation,a,b\n0,50,50\n1,40,60\n2,30,70\n", encoding="utf-8")
    freqs.write_text(GOOD, encoding="utf-8")
    assert main(["estimate", str(freqs), "--json"]) == 0
    expected = capsys.readouterr().out
    assert main(["estimate", str(counts), "--counts", "--json"]) == 0
    assert capsys.readouterr().out == expected


def test_binary_file_is_reported_not_decoded(tmp_path, capsys):
    path = tmp_path / "table.csv"
    path.write_bytes(b"\xff\xfe\x00\x01")
    assert main(["estimate", str(path)]) == 2
    assert "not UTF-8 text (byte 0xff at offset 0)" in capsys.readouterr().err
