"""No displayed quantity has a unit other than the one units.py declares for it.

The real default scenario is run once; its CLI text (``gigaplan run``), the
executive summary and the HTML report (``gigaplan report``) are parsed for
every (name, shown value) pair and each shown unit is checked against
:func:`gigaplan.units.unit_of` for that name.
"""

import html
import re

import pytest
from typer.testing import CliRunner

from gigaplan.cli import app
from gigaplan.report.format import row_unit_key
from gigaplan.units import UNITS, unit_of

NUMBER = r"-?[\d.,]+(?:e[+-]?\d+)?"


def unit_problem(key: str, shown: str) -> str | None:
    """Why ``shown`` is not a value of ``key`` in its declared unit (None: it is)."""
    shown = shown.strip()
    if shown in ("", "-"):
        return None
    unit = unit_of(key)
    if unit is None:  # undeclared: a bare number or text, never a unit
        looks_unit = re.fullmatch(rf"-?\$.*|{NUMBER} \S+", shown)
        return f"{key} has no declared unit, shown {shown!r}" if looks_unit else None
    if unit.kind in ("label", "year"):
        return None
    if unit.kind == "money":
        m = re.fullmatch(
            r"-?\$[\d.,]+(?:T|B|M|k)?(?:/(?P<per>.+?))?(?: \(\d{4} \$\))?", shown
        )
        ok = m is not None and (m["per"] or "") == unit.per
    elif unit.kind == "fraction":
        ok = re.fullmatch(rf"{NUMBER} %", shown) is not None
    elif unit.kind == "scaled":
        m = re.fullmatch(rf"{NUMBER} (?P<symbol>\S+)", shown)
        ok = m is not None and m["symbol"] in {s for _, s in unit.ladder}
    else:  # plain, count, scientific: the declared symbol, or none if it has none
        tail = f" {re.escape(unit.symbol)}" if unit.symbol else ""
        ok = re.fullmatch(NUMBER + tail, shown) is not None
    return (
        None if ok else f"{key}: declared {unit.symbol or unit.kind}, shown {shown!r}"
    )


@pytest.mark.parametrize(
    ("key", "shown", "ok"),
    [
        ("model_hours", "672 h", True),
        ("model_hours", "672 days", False),  # a wrong unit
        ("peak_gw_online_added_per_week", "0.178", False),  # no unit
        ("capacity_solar_mw", "1.20 GW", True),
        ("capacity_solar_mw", "1.20 GWh", False),
        ("delivered_usd_per_mwh", "$50.2/MWh", True),
        ("delivered_usd_per_mwh", "$50.2/kWh", False),
        ("inference_unmet_fraction", "44.1 %", True),
        ("inference_unmet_fraction", "0.441", False),
        ("capex_usd", "$64.8B (2025 $)", True),
        ("status", "complete", True),
        ("status", "12 MW", False),
    ],
)
def test_unit_problem_tells_right_from_wrong(key, shown, ok):
    assert (unit_problem(key, shown) is None) is ok


def _cells(line: str, bar: str) -> list[str]:
    return [c.strip() for c in line.strip().strip(bar).split(bar)]


def cli_pairs(text: str) -> list[tuple[str, str]]:
    """(name, shown) of every rich table cell under a header naming its column."""
    pairs: list[tuple[str, str]] = []
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("┃"):
            header = _cells(line, "┃")
        elif line.startswith("│") and header:
            row = dict(zip(header, _cells(line, "│"), strict=False))
            if header[:2] == ["quantity", "value"]:
                if row.get("quantity"):  # a blank name: a wrapped value's next line
                    pairs.append((row["quantity"], row["value"]))
            else:
                pairs += [(row_unit_key(c, row), v) for c, v in row.items()]
        elif not line.startswith(("┏", "┡", "└")):
            header = []
    return pairs


def html_pairs(page: str) -> list[tuple[str, str]]:
    """(name, shown) of the report's summary cards and numeric table cells."""
    cards = re.findall(
        r'data-key="([^"]+)"[^>]*>\s*<div class="k">.*?</div>'
        r'<div class="v">(.*?)</div>',
        page,
        flags=re.S,
    )
    pairs = [(html.unescape(k), html.unescape(v)) for k, v in cards]
    for head, body in re.findall(
        r"<thead><tr>(.*?)</tr></thead><tbody>(.*?)</tbody>", page, flags=re.S
    ):
        columns = [html.unescape(c) for c in re.findall(r"<th>(.*?)</th>", head)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
            cells = re.findall(r'<td( class="num")?[^>]*>(.*?)</td>', tr, flags=re.S)
            row = {
                c: html.unescape(v) for c, (_, v) in zip(columns, cells, strict=False)
            }
            for col, (num, _) in zip(columns, cells, strict=False):
                if num:
                    pairs.append((row_unit_key(col, row), row[col]))
    return pairs


#: Every unit symbol declared, with its display prefixes.
DECLARED = {u.symbol for u in UNITS.values()} | {
    s for u in UNITS.values() for _, s in u.ladder
}
#: A number followed by something shaped like a unit of power, energy or CO2.
_UNIT_TOKEN = re.compile(r"\d (k?[kMGT]?Wh?(?:/\w+)?|[kM]?t(?:CO2)?(?:/\w+)?)\b")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """The shipped default scenario, run once: CLI text and HTML report."""
    folder = tmp_path_factory.mktemp("default-run")
    db = str(folder / "runs.duckdb")
    runner = CliRunner()
    run = runner.invoke(app, ["run", "--db", db], env={"COLUMNS": "250"})
    assert run.exit_code == 0, run.output
    out = folder / "report.html"
    rep = runner.invoke(app, ["report", "latest", "--db", db, "--out", str(out)])
    assert rep.exit_code == 0, rep.output
    return run.stdout, out.read_text(encoding="utf-8")


def test_cli_run_shows_declared_units(default_run):
    pairs = cli_pairs(default_run[0])
    assert len(pairs) > 100  # the summaries of five stages, not an empty parse
    problems = [p for k, v in pairs if (p := unit_problem(k, v))]
    assert problems == []


def test_html_report_shows_declared_units(default_run):
    pairs = html_pairs(default_run[1])
    assert len(pairs) > 200
    problems = [p for k, v in pairs if (p := unit_problem(k, v))]
    assert problems == []


def test_executive_summary_uses_declared_units(default_run):
    """Sentences have no names to check against; their units must be declared."""
    texts = [default_run[0].split("Details by stage")[0]]
    texts += re.findall(r"<dd>(.*?)</dd>", default_run[1], flags=re.S)
    assert len(texts) > 3
    found = [u for t in texts for u in _UNIT_TOKEN.findall(html.unescape(t))]
    assert found  # GW, GW/week, MtCO2 ... are there to check
    assert sorted(set(found) - DECLARED) == []
