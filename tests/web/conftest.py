"""Browser fixtures: a live uvicorn server on loopback and headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
_SKIPPED: list[str] = []


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "browser" in report.keywords:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        _SKIPPED.append(f"{report.nodeid}: {reason}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SKIPPED:
        terminalreporter.write_sep("=", "browser tests SKIPPED", yellow=True)
        for line in _SKIPPED:
            terminalreporter.write_line(line)


def _serve(app):
    """Run ``app`` under uvicorn on a free loopback port; yield its URL."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(tmp_path):
    """The web app with fake stages and their scenario as the default."""
    import runpy

    from gigaplan.web import create_app

    fakes = runpy.run_path(
        str(Path(__file__).parent.parent / "report" / "fake_stages.py")
    )
    db = tmp_path / "runs.duckdb"
    app = create_app(
        db, stage_funcs=fakes["STAGES"], default_scenario=fakes["SCENARIO"]
    )
    for url in _serve(app):
        yield url, db, fakes


@pytest.fixture
def live_server_real(tmp_path):
    """The web app as `gigaplan serve` builds it: real stages, packaged default."""
    from gigaplan.errors import InputError
    from gigaplan.pipeline import default_scenario_path
    from gigaplan.web import create_app

    try:
        default_scenario_path()
    except InputError:
        pytest.skip(
            "browser test of the real default scenario skipped: "
            "gigaplan/data/default.yaml is not shipped yet"
        )
    db = tmp_path / "runs.duckdb"
    for url in _serve(create_app(db)):
        yield url, db


SMALL_PLAN = Path(__file__).parents[1] / "report" / "small_run.yaml"


def small_plan_scenario() -> str:
    """The plan section of the report tests' small run alone (a few seconds)."""
    import yaml

    doc = yaml.safe_load(SMALL_PLAN.read_text(encoding="utf-8"))
    small = {"name": "small-plan", "seed": doc["seed"], "plan": doc["plan"]}
    text = yaml.safe_dump(small, sort_keys=False)
    # a comment, as scenario files have: the form's edits must keep it
    return text.replace(
        "  discount_rate:", "  # ASSUMPTION: real cost of capital\n  discount_rate:"
    )


@pytest.fixture
def live_server_small(tmp_path):
    """The web app with real stages and a small plan-only scenario as default."""
    from gigaplan.web import create_app

    db = tmp_path / "runs.duckdb"
    text = small_plan_scenario()
    for url in _serve(create_app(db, default_scenario=text)):
        yield url, db, text


@pytest.fixture
def page():
    """A Chromium page (Debian's binary, never a downloaded browser)."""
    reason = browser_skip_reason()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()
