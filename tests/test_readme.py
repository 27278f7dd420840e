"""README's Python blocks run, and its two set-up commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_readme_test_command_is_the_one_ci_runs():
    bash = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    assert [b.strip() for b in bash][:2] == [
        "python -m pip install . && modelcollapse verify",
        "python -m pip install -e '.[test]' && python -m pytest -n auto",
    ]
    assert bash[1].strip() in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
