"""YAML loading that reads ``1e9`` and ``70.6e9`` as floats (YAML 1.2 style).

PyYAML follows YAML 1.1, where a float needs a dot and a signed exponent, so
``1e9`` would silently load as a string. Every gigaplan file goes through
:func:`safe_load` and :func:`compose` here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 float syntax."""


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
    """Parse YAML text with 1.2-style floats."""
    return yaml.load(text, Loader=_Loader)


def compose(text: str) -> yaml.Node | None:
    """Parse YAML text into nodes (with line marks) using the same resolver."""
    return yaml.compose(text, Loader=_Loader)
