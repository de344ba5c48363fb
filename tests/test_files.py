"""Outputs never remove or replace what gigaplan did not write (issue 16, part 0).

Each refusal test first builds the situation that destroyed files on the old
code (``plan --out .`` emptied the current folder; an existing file, a link or
a device was replaced) and then checks that every byte is still there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gigaplan._files import (
    MANIFEST,
    check_file_target,
    check_folder_target,
    read_manifest,
    write_file,
    write_folder,
)
from gigaplan.cli import app
from gigaplan.errors import InputError
from tests.plan.conftest import base_section

runner = CliRunner()


def _tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, or where a link points."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "dir"
    return out


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """A folder with a user's own files: notes, a data folder, a link."""
    home = tmp_path / "work"
    (home / "data").mkdir(parents=True)
    (home / "notes.txt").write_text("my notes")
    (home / "data" / "prices.csv").write_text("a,b\n1,2\n")
    (home / "link").symlink_to(home / "data")
    return home


def _writers(*names: str) -> dict:
    return {n: (lambda p, n=n: p.write_text(f"gigaplan {n}")) for n in names}


def test_folder_current_folder_is_refused(user_folder, monkeypatch) -> None:
    monkeypatch.chdir(user_folder)
    before = _tree(user_folder)
    with pytest.raises(InputError, match="current folder"):
        write_folder(Path("."), _writers("plan.csv"), force=True)
    with pytest.raises(InputError, match="current folder"):
        write_folder(user_folder.parent, _writers("plan.csv"), force=True)
    assert _tree(user_folder) == before


def test_folder_with_other_files_is_refused_then_added_to(user_folder) -> None:
    before = _tree(user_folder)
    with pytest.raises(InputError, match=r"did not write .*notes\.txt"):
        write_folder(user_folder, _writers("plan.csv"))
    assert _tree(user_folder) == before
    # --force adds gigaplan's files beside them and touches nothing else
    write_folder(user_folder, _writers("plan.csv"), force=True)
    after = _tree(user_folder)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"plan.csv", MANIFEST}
    # ... but never over a file of the user's, even with --force
    with pytest.raises(InputError, match=r"notes\.txt"):
        write_folder(user_folder, _writers("notes.txt"), force=True)
    assert (user_folder / "notes.txt").read_text() == "my notes"


def test_folder_rewrite_replaces_only_its_own_files(tmp_path) -> None:
    out = tmp_path / "out"
    write_folder(out, _writers("a.csv", "b.csv"))
    assert read_manifest(out) == {"a.csv", "b.csv"}
    write_folder(out, _writers("a.csv", "c.csv"))
    # b.csv was gigaplan's and is stale: removed; the others are rewritten
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "a.csv", "c.csv"])
    assert json.loads((out / MANIFEST).read_text())["files"] == ["a.csv", "c.csv"]
    assert not list(tmp_path.glob(".gigaplan-tmp-*"))


def test_folder_refuses_file_link_and_device(tmp_path, user_folder) -> None:
    target = tmp_path / "a-file"
    target.write_text("keep")
    with pytest.raises(InputError, match="is a file"):
        write_folder(target, _writers("x.csv"), force=True)
    assert target.read_text() == "keep"
    with pytest.raises(InputError, match="symbolic link"):
        write_folder(user_folder / "link", _writers("x.csv"), force=True)
    assert _tree(user_folder / "data") == {"prices.csv": b"a,b\n1,2\n"}
    with pytest.raises(InputError, match="device"):
        check_folder_target(Path("/dev/null"), "--out", force=True)


def test_failed_folder_write_leaves_nothing(tmp_path) -> None:
    def broken(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="no space left"):
        write_folder(tmp_path / "out", {"a.csv": broken})
    assert list(tmp_path.iterdir()) == []


def test_file_refuses_what_it_did_not_write(tmp_path, user_folder) -> None:
    notes = user_folder / "notes.txt"
    with pytest.raises(InputError, match="--force"):
        write_file(notes, lambda p: p.write_text("x"))
    assert notes.read_text() == "my notes"
    with pytest.raises(InputError, match="symbolic link"):
        write_file(user_folder / "link", lambda p: p.write_text("x"), force=True)
    with pytest.raises(InputError, match="is a folder"):
        write_file(user_folder / "data", lambda p: p.write_text("x"), force=True)
    with pytest.raises(InputError, match="device"):
        check_file_target(Path("/dev/null"), "--out", force=True)
    # its own file (recognised by the caller) is replaced without --force
    write_file(notes, lambda p: p.write_text("new"), ours=lambda p: True)
    assert notes.read_text() == "new"
    assert sorted(p.name for p in user_folder.iterdir()) == [
        "data",
        "link",
        "notes.txt",
    ]


def test_file_in_missing_folder_is_made(tmp_path) -> None:
    out = tmp_path / "a" / "b" / "r.txt"
    write_file(out, lambda p: p.write_text("ok"))
    assert out.read_text() == "ok"
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        write_file(blocker / "r.txt", lambda p: p.write_text("ok"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_folder_is_one_line(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="not writable"):
            check_folder_target(locked / "out", "--out")
        with pytest.raises(InputError, match="not writable"):
            check_file_target(locked / "r.html", "--out")
    finally:
        locked.chmod(0o700)


# --- the verbs --------------------------------------------------------------


def _scenario(folder: Path) -> Path:
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "t", "plan": base_section()}))
    return path


def test_plan_out_dot_deletes_nothing(user_folder, monkeypatch) -> None:
    _scenario(user_folder)
    monkeypatch.chdir(user_folder)
    before = _tree(user_folder)
    for extra in ([], ["--force"]):
        res = runner.invoke(app, ["plan", "s.yaml", "--out", ".", *extra])
        assert res.exit_code == 2, res.output
        assert "current folder" in res.output
        assert "Traceback" not in res.output
    assert _tree(user_folder) == before


def test_plan_out_existing_folder_and_file(user_folder, tmp_path) -> None:
    path = _scenario(tmp_path)
    before = _tree(user_folder)
    res = runner.invoke(app, ["plan", str(path), "--out", str(user_folder)])
    assert res.exit_code == 2 and "did not write" in res.output
    res = runner.invoke(
        app, ["plan", str(path), "--out", str(user_folder / "notes.txt")]
    )
    assert res.exit_code == 2 and "is a file" in res.output
    assert _tree(user_folder) == before
    # its own folder may be written again
    out = tmp_path / "out"
    for _ in range(2):
        res = runner.invoke(app, ["plan", str(path), "--out", str(out)])
        assert res.exit_code == 0, res.output
    assert "plan.nc" in read_manifest(out)


def test_report_out_never_replaces_link_device_or_user_file(
    user_folder, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GIGAPLAN_DB", str(tmp_path / "none.duckdb"))
    before = _tree(user_folder)
    for target, words in [
        (user_folder / "link", "symbolic link"),
        (user_folder / "notes.txt", "gigaplan did not write"),
        (Path("/dev/full"), "device"),
    ]:
        res = runner.invoke(app, ["report", "latest", "--out", str(target)])
        assert res.exit_code == 2, res.output
        assert words in res.output
    assert _tree(user_folder) == before
    assert Path("/dev/full").is_char_device()


def test_scenarios_out_and_sweep_out_refuse_user_files(user_folder) -> None:
    notes = user_folder / "notes.txt"
    res = runner.invoke(app, ["risk", "missing.yaml", "--scenarios-out", str(notes)])
    assert res.exit_code == 2 and "did not write" in res.output
    res = runner.invoke(
        app,
        ["sweep", "x.yaml", "--grid", "plan.discount_rate=0.1", "--out", str(notes)],
    )
    assert res.exit_code == 2 and ".csv or .parquet" in res.output
    csv = user_folder / "mine.csv"
    csv.write_text("x,y\n")
    res = runner.invoke(
        app, ["sweep", "x.yaml", "--grid", "plan.discount_rate=0.1", "--out", str(csv)]
    )
    assert res.exit_code == 2 and "did not write" in res.output
    assert notes.read_text() == "my notes" and csv.read_text() == "x,y\n"
