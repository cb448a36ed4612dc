"""Every ```python block in docs/ and README.md runs, and each line it prints
equals the ``# -> expected`` comment written beside the print call, so the
documentation cannot rot."""
import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
BLOCKS = [
    pytest.param(code, id=f"{path.relative_to(ROOT)}#{i}")
    for path in DOCS if path.exists()
    for i, code in enumerate(re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.S | re.M))
]


@pytest.mark.parametrize("code", BLOCKS)
def test_doc_example_runs_and_prints_what_it_says(code):
    expected = [m.group(1).rstrip() for m in re.finditer(r"#\s*->\s?(.*)$", code, flags=re.M)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<doc example>", "exec"), {"__name__": "__doc_example__"})
    printed = out.getvalue().rstrip("\n").split("\n") if out.getvalue().strip() else []
    if expected:
        assert printed == expected
