"""Bad inputs for every verb, and how the CLI answered them (issue 16).

Shared by ``tests/test_fuzz_inputs.py`` (hypothesis draws from these cases)
and ``benchmarks/fuzz_count.py`` (runs a fixed, seeded sample and counts the
outcomes). A case is a command line plus the files it needs; :func:`run_case`
runs it in this process under an alarm and sorts the answer into:

- ``clean``: exit 2 with one line ``gigaplan: error: FIELD=VALUE: ...`` that
  names the field;
- ``ok``: exit 0 for an input that is large but allowed (``huge``), with
  finite numbers in the JSON;
- ``other``: a clean error of another form (exit 1, a usage box, a line that
  does not name the field);
- ``traceback``, ``hang`` (past the time limit), ``silent`` (exit 0 for an
  input that is non-finite or out of range, or non-finite numbers out).
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import re
import signal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: Values that no numeric field may take; each must give exit 2 naming the field.
BAD_NUMBERS: tuple[Any, ...] = (
    math.nan,
    math.inf,
    -math.inf,
    -1e300,
    "abc",
    "",
    "ünï ☃",
    [1, 2],
    {"a": 1},
)
#: Large but finite: exit 2 naming the field, or success with finite outputs.
HUGE_NUMBERS: tuple[Any, ...] = (1e308, 1e30)

BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


@dataclass(frozen=True)
class Case:
    """One bad input: a command line with ``{file}`` for the mutated file.

    ``field`` is a word the error line must contain (the field, option or
    file name); ``huge`` marks an input that may also succeed.
    """

    label: str
    argv: tuple[str, ...]
    field: str
    text: str | bytes | None = None
    huge: bool = False
    make_dir: bool = False
    #: (example, section, path, value): the text is made when the case runs
    mutation: tuple[str, str, tuple[Any, ...], Any] | None = None

    def body(self) -> str | bytes | None:
        """The file's content (a mutated example is dumped here, lazily)."""
        if self.mutation is None:
            return self.text
        example, section, path, value = self.mutation
        return _dump(_set(_only(_load(example), section), path, value))


# -- scenario files --------------------------------------------------------------

#: The verb that reads each example, with options that keep it cheap.
VERBS: dict[str, tuple[str, ...]] = {
    "estimate": ("run", "{file}", "--db", "{tmp}/runs.duckdb", "--json"),
    "power": ("power", "--scenario", "{file}", "--json"),
    "plan": ("plan", "{file}", "--json"),
    "risk": ("risk", "{file}", "--paths", "50", "--json"),
    "factory": ("factory", "{file}", "--replications", "1", "--no-whatif", "--json"),
}
#: Example file and the section its cases mutate.
EXAMPLE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("estimate.yaml", "estimate"),
    ("stargate.yaml", "estimate"),
    ("power.yaml", "power"),
    ("stargate.yaml", "power"),
    ("plan.yaml", "plan"),
    ("risk.yaml", "risk"),
    ("factory.yaml", "factory"),
)


@functools.cache
def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def _only(doc: dict[str, Any], section: str) -> dict[str, Any]:
    """The example with only ``section`` (and plan, which risk evaluates)."""
    keep = {section, "plan"} if section == "risk" else {section}
    return {k: v for k, v in doc.items() if k not in _SECTIONS or k in keep}


_SECTIONS = {"estimate", "power", "plan", "risk", "factory"}


def numeric_leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every number in a parsed YAML document."""
    if isinstance(node, dict):
        for key, val in node.items():
            yield from numeric_leaves(val, (*path, key))
    elif isinstance(node, list):
        for i, val in enumerate(node):
            yield from numeric_leaves(val, (*path, i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _field_word(path: tuple[Any, ...]) -> str:
    """The last named part of a path (the field name the error must show)."""
    return next(str(p) for p in reversed(path) if isinstance(p, str))


def value_cases(example: str, section: str) -> list[Case]:
    """A bad or huge value in place of each number of the example's section."""
    doc = _only(_load(example), section)
    out = []
    for path in numeric_leaves(doc.get(section)):
        full = (section, *path)
        for value in (*BAD_NUMBERS, *HUGE_NUMBERS):
            out.append(
                Case(
                    label=f"{example}:{'.'.join(map(str, full))}={value!r}",
                    argv=VERBS[section],
                    field=_field_word(full),
                    mutation=(example, section, full, value),
                    huge=value in HUGE_NUMBERS,
                )
            )
    return out


def _duplicate_a_key(text: str, rng: random.Random) -> tuple[str, str]:
    lines = text.splitlines()

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip())

    # a key whose value ends on its own line (not a block scalar or a quoted
    # string wrapped onto the next lines, which a copy would cut in half)
    keyed = [
        i
        for i, line in enumerate(lines)
        if re.match(r"^\s*[A-Za-z_]\w*:\s*[^\s#{\[>|]", line)
        and "- " not in line[:4]
        and (i + 1 == len(lines) or indent(lines[i + 1]) <= indent(line))
    ]
    i = rng.choice(keyed)
    key = lines[i].split(":")[0].strip()
    lines.insert(i + 1, lines[i])
    return "\n".join(lines) + "\n", key


def file_cases(example: str, section: str, rng: random.Random) -> list[Case]:
    """Whole-file troubles: duplicates, aliases, nesting, binary, a folder."""
    base = _dump(_only(_load(example), section))
    verb = VERBS[section]
    dup, key = _duplicate_a_key(base, rng)
    deep = 3000
    return [
        Case(f"{example}:duplicate {key}", verb, key, text=dup),
        Case(f"{example}:billion laughs", verb, "alias", text=BILLION_LAUGHS + base),
        Case(
            f"{example}:laughs in seed",
            verb,
            "alias",
            text=BILLION_LAUGHS + base + "seed: *i\n",
        ),
        Case(
            f"{example}:deep list",
            verb,
            "nest",
            text=base + "x: " + "[" * deep + "]" * deep + "\n",
        ),
        Case(
            f"{example}:deep map",
            verb,
            "nest",
            text=base + "x: " + "{a: " * deep + "1" + "}" * deep + "\n",
        ),
        Case(f"{example}:binary", verb, "scenario", text=b"\x89PNG\r\n\x1a\n\xff\xfe"),
        Case(f"{example}:folder", verb, "scenario", make_dir=True),
        Case(f"{example}:list", verb, "top level", text="- 1\n- 2\n"),
        Case(f"{example}:unknown key", verb, "zzz", text=base + "zzz: 1\n"),
        Case(
            f"{example}:unknown section key",
            verb,
            "zzz",
            text=_dump(_set(_only(_load(example), section), (section, "zzz"), 1)),
        ),
        Case(f"{example}:tab", verb, "YAML", text=base + "\tbad: [\n"),
    ]


# -- command-line options --------------------------------------------------------

_OPT_BAD = ("nan", "inf", "-inf", "-1", "0", "1e400", "abc", "", "ünï")


def option_cases() -> list[Case]:
    """Bad values of every numeric option of estimate, power, factory, risk, sweep."""
    cases: list[Case] = []
    training = ("estimate", "training", "--json")
    inference = ("estimate", "inference", "--json")
    power = ("power", "--hours", "24", "--json")

    def add(
        base: tuple[str, ...], opt: str, values: tuple[str, ...], **kw: Any
    ) -> None:
        for v in values:
            cases.append(Case(f"{' '.join(base[:2])} {opt}={v}", (*base, opt, v), opt))

    t_base = (*training, "--model", "llama-3.1-8b")
    add((*training, "--params", "7e9"), "--tokens", _OPT_BAD)
    for opt in ("--count", "--seq-len"):
        add((*t_base, "--tokens", "1e12"), opt, ("-5", "0", "abc", "1e400"))
    for opt in (
        "--params",
        "--active-params",
        "--mfu",
        "--pue",
        "--grid-kgco2-per-mwh",
        "--price-usd-per-accelerator-hour",
    ):
        base = (*training, "--tokens", "1e12")
        if opt != "--params":
            base = (*base, "--params", "7e9")
        add(base, opt, ("nan", "inf", "-1", "abc"))
    add((*training, "--tokens", "1e12", "--params", "1e9"), "--mfu", ("1.5", "0"))
    add((*training, "--tokens", "1e12", "--params", "1e9"), "--pue", ("0.5",))
    cases.append(
        Case(
            "estimate training --model and --params",
            (*t_base, "--tokens", "1e12", "--params", "7e9"),
            "--params",
        )
    )
    cases.append(
        Case(
            "estimate training active > total",
            (
                *training,
                "--tokens",
                "1e12",
                "--params",
                "7e9",
                "--active-params",
                "9e9",
            ),
            "--active-params",
        )
    )
    for opt in ("--count", "--batch", "--input-tokens", "--output-tokens"):
        add(inference, opt, ("-5", "0", "abc"))
    for opt in ("--tokens-per-day", "--pue", "--price-usd-per-accelerator-hour"):
        add(inference, opt, ("nan", "inf", "-1", "abc"))
    add(inference, "--pue", ("0.1",))
    for opt in (
        "--it-load-mw",
        "--co2-cap-t",
        "--co2-intensity-cap",
        "--reserve-margin",
    ):
        add(power, opt, ("nan", "inf", "-1", "abc"))
    add(power, "--it-load-mw", ("0",))
    add(power, "--reserve-margin", ("5",))
    for opt in ("--cfe-share", "--flexible-share"):
        add(power, opt, ("nan", "1.5", "-0.1"))
    add(("power", "--json"), "--hours", ("0", "-1", "100000", "abc"))
    add(("power", "--hours", "48", "--json"), "--rep-days", ("0", "5", "-1"))
    cases.append(
        Case(
            "power --it-load-mw 1e308",
            ("power", "--hours", "24", "--it-load-mw", "1e308", "--json"),
            "--it-load-mw",
            huge=True,
        )
    )
    for opt in ("--it-load-mw", "--hours", "--reserve-margin"):
        cases.append(
            Case(
                f"power --scenario with {opt}",
                ("power", "--scenario", str(EXAMPLES / "power.yaml"), opt, "24"),
                opt,
            )
        )
    factory = (
        "factory",
        str(EXAMPLES / "factory.yaml"),
        "--no-whatif",
        "--json",
    )
    add(factory, "--replications", ("0", "-1", "abc", "100000000"))
    add(
        (*factory[:2], "--replications", "1", "--json"),
        "--target-gw-per-week",
        ("nan", "inf", "-1", "0", "abc"),
    )
    risk = ("risk", str(EXAMPLES / "risk.yaml"), "--json")
    add(risk, "--paths", ("0", "-1", "abc", "1000000000000", "2000000000"))
    add((*risk, "--paths", "10"), "--workers", ("0", "-1", "abc"))
    sweep = ("sweep", str(EXAMPLES / "plan.yaml"), "--workers", "1", "--json")
    for grid in (
        "plan.discount_rate=nan",
        "plan.discount_rate=.inf",
        "plan.sites[0].max_mw=-5,inf",
        "plan.discount_rate*=nan",
        "plan.nope=1",
        "plan.discount_rate=",
        "=1",
        "plan.sites[9].max_mw=1",
        "plan.discount_rate=" + ",".join(str(i / 1e6) for i in range(2000)),
    ):
        cases.append(
            Case(f"sweep --grid {grid[:40]}", (*sweep, "--grid", grid), "grid")
        )
    many = tuple(
        a
        for i in range(6)
        for a in (
            "--grid",
            f"plan.sites[0].max_mw={','.join(str(j) for j in range(20))}",
        )
    )
    cases.append(Case("sweep 20^6 grid", (*sweep, *many), "grid"))
    cases.append(
        Case(
            "sweep --cluster unreachable",
            (
                *sweep,
                "--grid",
                "plan.discount_rate=0.05",
                "--cluster",
                "tcp://10.255.255.1:8786",
            ),
            "--cluster",
        )
    )
    cat_base = ("estimate", "training", "--tokens", "1e12", "--params", "7e9", "--json")
    for label, text, word in (
        ("section list", "accelerators: [1, 2]\n", "accelerators"),
        ("sources list", "sources: [a, b]\n", "sources"),
        (
            "entry nan",
            "accelerators:\n  h100:\n    tdp_w: {value: .nan, source: x}\n",
            "tdp_w",
        ),
        ("duplicate", "sources:\n  a: x\n  a: y\n", "duplicate"),
        ("laughs", BILLION_LAUGHS, "alias"),
        ("binary", "", "catalog"),
    ):
        body: str | bytes = b"\xff\xfe\x00bin" if label == "binary" else text
        cases.append(
            Case(
                f"--catalog {label}",
                (*cat_base, "--catalog", "{file}"),
                word,
                text=body,
            )
        )
    cases.append(
        Case(
            "--catalog folder",
            (*cat_base, "--catalog", "{file}"),
            "catalog",
            make_dir=True,
        )
    )
    return cases


def all_cases(seed: int = 16) -> list[Case]:
    """Every case: each numeric field of each example, each option, each file."""
    rng = random.Random(seed)
    out = option_cases()
    for example, section in EXAMPLE_SECTIONS:
        out += value_cases(example, section)
        out += file_cases(example, section, rng)
    return out


# -- running a case --------------------------------------------------------------


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


@dataclass
class Outcome:
    """How the CLI answered one case."""

    kind: str
    exit_code: int | None
    message: str
    seconds: float = 0.0


def _finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def run_case(case: Case, timeout_s: int = 30) -> Outcome:
    """Run ``case`` through the CLI in this process and classify the answer."""
    import time

    from gigaplan.cli import app

    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.yaml"
        if case.make_dir:
            path.mkdir()
        elif isinstance(body := case.body(), bytes):
            path.write_bytes(body)
        elif body is not None:
            path.write_text(body, encoding="utf-8")
        argv = [a.replace("{file}", str(path)).replace("{tmp}", tmp) for a in case.argv]
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout_s)
        start = time.perf_counter()
        try:
            result = runner.invoke(app, argv, catch_exceptions=True)
        except _Hang:
            return Outcome("hang", None, f"> {timeout_s} s", timeout_s)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        seconds = time.perf_counter() - start
    if isinstance(result.exception, _Hang):
        return Outcome("hang", None, f"> {timeout_s} s", seconds)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        return Outcome("traceback", None, f"{type(exc).__name__}: {exc}"[:300], seconds)
    err = result.stderr.strip()
    code = result.exit_code
    if code == 0:
        try:
            payload = json.loads(result.stdout)
        except ValueError:
            payload = None
        if case.huge and payload is not None and _finite(payload):
            return Outcome("ok", 0, "", seconds)
        return Outcome("silent", 0, result.stdout[:200], seconds)
    lines = [line for line in err.splitlines() if line.strip()]
    one_line = len(lines) == 1 and lines[0].startswith("gigaplan: error: ")
    if code == 2 and one_line and case.field.lower() in lines[0].lower():
        return Outcome("clean", 2, lines[0], seconds)
    return Outcome("other", code, err[-300:], seconds)


def run_case_forked(case: Case, timeout_s: int = 30, memory_gb: float = 4.0) -> Outcome:
    """:func:`run_case` in a forked child, killed after ``timeout_s``.

    A hang inside C code (NumPy, pydantic-core) ignores the alarm of
    :func:`run_case`; the parent's clock and ``SIGKILL`` do not. The child's
    address space is capped at ``memory_gb`` so an alias bomb cannot take the
    machine down (it ends as a MemoryError traceback instead).
    """
    import os
    import pickle
    import resource
    import time

    import gigaplan.cli  # noqa: F401  (imported once, before the fork)

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            limit = int(memory_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            outcome = run_case(case, timeout_s=timeout_s + 5)
        except BaseException as exc:
            outcome = Outcome("traceback", None, f"{type(exc).__name__}: {exc}"[:300])
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(pickle.dumps(outcome))
        os._exit(0)
    os.close(write_fd)
    start = time.perf_counter()
    chunks = []
    os.set_blocking(read_fd, False)
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except BlockingIOError:
            chunk = None
        if chunk:
            chunks.append(chunk)
        elif chunk == b"":
            break
        if time.perf_counter() - start > timeout_s:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_fd)
            return Outcome("hang", None, f"> {timeout_s} s", timeout_s)
        if chunk is None:
            time.sleep(0.02)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return Outcome("traceback", None, f"child died (status {status})")
    return pickle.loads(b"".join(chunks))


def sample(cases: list[Case], n: int, seed: int = 16) -> list[Case]:
    """A seeded sample of ``n`` cases (all of them if there are fewer)."""
    if n >= len(cases):
        return list(cases)
    return random.Random(seed).sample(cases, n)


Runner = Callable[[Case], Outcome]
