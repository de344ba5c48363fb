"""YAML loading: YAML 1.2 floats, and limits checked before anything expands.

PyYAML follows YAML 1.1, where a float needs a dot and a signed exponent, so
``1e9`` would silently load as a string. Every gigaplan file (and web request)
goes through :func:`safe_load`, :func:`compose` or :func:`load` here, and each
refuses, while composing nodes and so before any object is built:

- a key given twice in one mapping (the error names both lines);
- aliases that would repeat more than :data:`MAX_ALIAS_NODES` nodes in all
  (a "billion laughs" document fails in milliseconds);
- nesting deeper than :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from gigaplan.errors import InputError

#: Nodes that aliases may repeat in one document, counted with what they contain.
MAX_ALIAS_NODES = 10_000
#: Deepest nesting of lists and mappings in one document.
MAX_DEPTH = 64


class LimitError(yaml.MarkedYAMLError):
    """A document that breaks one of the limits above (a duplicate key, too
    many nodes repeated by aliases, too deep); ``problem_mark`` is where."""

    def __init__(
        self, problem: str, mark: yaml.Mark, field: str, value: object
    ) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.field, self.value = field, value


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 float syntax and the limits of this module."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._alias_nodes = 0
        self._sizes: dict[int, int] = {}

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        """Refuse deep ``[[[...`` as the scanner meets it (it slows down with depth)."""
        if self.flow_level >= MAX_DEPTH:
            raise self._too_deep(self.get_mark(), self.flow_level + 1)
        super().fetch_flow_collection_start(TokenClass)  # type: ignore[misc]

    @staticmethod
    def _too_deep(mark: yaml.Mark, depth: int) -> LimitError:
        return LimitError(
            f"lists and mappings nested deeper than {MAX_DEPTH} levels (the limit)",
            mark,
            "nesting",
            depth,
        )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, counting what aliases repeat and how deep it is."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._alias_nodes += self._sizes.get(id(node), 1)
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise LimitError(
                    f"aliases repeat more than {MAX_ALIAS_NODES:,} nodes (the "
                    "limit); write the values out or use fewer aliases",
                    event.start_mark,
                    "alias",
                    f"*{event.anchor}",
                )
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self._too_deep(self.peek_event().start_mark, self._depth)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.SequenceNode):
            children: list[yaml.Node] = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
            self._check_duplicates(node)
        else:
            children = []
        if children:
            self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 1) for c in children)
        return node

    def _check_duplicates(self, node: yaml.MappingNode) -> None:
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                continue
            first = seen.setdefault(key.value, key)
            if first is not key:
                shown = value.value if isinstance(value, yaml.ScalarNode) else "..."
                raise LimitError(
                    f"duplicate key, given at lines {first.start_mark.line + 1} "
                    f"and {key.start_mark.line + 1}; give each key once",
                    key.start_mark,
                    str(key.value),
                    shown,
                )


_Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:float"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)

YAMLError = yaml.YAMLError


def safe_load(text: str) -> Any:
    """Parse YAML text with 1.2-style floats and this module's limits."""
    return yaml.load(text, Loader=_Loader)


def error_to_input(err: yaml.YAMLError, where: str) -> InputError:
    """One line for a YAML error: ``where:LINE: FIELD=VALUE: what is wrong``."""
    mark = getattr(err, "problem_mark", None)
    prefix = f"{where}:{mark.line + 1}: " if mark is not None else f"{where}: "
    if isinstance(err, LimitError):
        return InputError(prefix + err.field, err.value, str(err.problem))
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    text = " ".join((f"{problem} ({context})" if context else problem).split())
    return InputError(prefix + "yaml", "<text>", f"not valid YAML: {text}")


def load(text: str, where: str) -> Any:
    """:func:`safe_load`, with any YAML error as one :class:`InputError` line.

    Parameters
    ----------
    text : str
        The document.
    where : str
        File name (or request) the text came from, shown before the line.
    """
    try:
        return safe_load(text)
    except yaml.YAMLError as err:
        raise error_to_input(err, where) from None


def compose(text: str) -> yaml.Node | None:
    """Parse YAML text into nodes (with line marks) using the same resolver."""
    return yaml.compose(text, Loader=_Loader)


def read_text(path: str | os.PathLike[str], field: str) -> str:
    """Text of a UTF-8 file; every reason it cannot be read is one line.

    Parameters
    ----------
    path : path-like
        The file.
    field : str
        The input that named the file (``scenario``, ``--catalog``), for the
        message: ``scenario='x.yaml': a folder, not a file``.
    """
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(field, shown, "file not found") from None
    except IsADirectoryError:
        raise InputError(field, shown, "a folder, not a file") from None
    except PermissionError:
        raise InputError(field, shown, "not readable (permission denied)") from None
    except OSError as err:
        raise InputError(field, shown, f"cannot be read ({err.strerror})") from None
    if b"\x00" in data[:8192]:
        raise InputError(field, shown, "a binary file, not UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            field, shown, f"not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None


def load_file(path: str | os.PathLike[str], field: str) -> tuple[str, Any]:
    """(text, document) of a YAML file, all errors as one :class:`InputError` line."""
    text = read_text(path, field)
    return text, load(text, Path(path).name)
