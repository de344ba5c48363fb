"""The README's examples run as written.

Every ```python block runs as a plain script in a fresh interpreter; from the
```bash blocks, the ``gigaplan`` commands in :data:`SAFE` run (quick, no
server, no store, no cluster), each in a scratch folder holding a copy of
``examples/``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
#: Commands (their first words after ``gigaplan``) run from the bash blocks.
SAFE = (
    ("catalog", "list"),
    ("catalog", "show"),
    ("estimate",),
    ("validate",),
    ("power", "--hours"),
)
#: Placeholders for the reader's own files: commands naming them are skipped.
PLACEHOLDERS = ("my-chips.yaml", "my.yaml")


def _blocks(lang: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.M | re.S)


def _commands() -> list[list[str]]:
    found = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words or words[0] != "gigaplan":
                continue
            args = words[1:]
            if any(p in args for p in PLACEHOLDERS):
                continue
            if any(tuple(args[: len(s)]) == s for s in SAFE):
                found.append(args)
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples", symlinks=False)
    return tmp_path


def test_readme_has_python_and_cli_examples():
    assert len(_blocks("python")) >= 3
    assert len(_commands()) >= 6


@pytest.mark.parametrize("code", _blocks("python"), ids=lambda c: c.split("\n")[-2])
def test_readme_python_example_runs_as_a_script(code, scratch):
    script = scratch / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=scratch,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "failed" not in done.stdout  # a sweep row that failed says so


@pytest.mark.parametrize("args", _commands(), ids=" ".join)
def test_readme_cli_example_runs(args, scratch):
    done = subprocess.run(
        [sys.executable, "-m", "gigaplan", *args],
        cwd=scratch,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
