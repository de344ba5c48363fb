"""The ``gigaplan`` command: a thin typer shell over the Python API.

Each verb lives in its own module under ``gigaplan.cli`` and registers itself on
:data:`app`; heavy libraries are imported inside the command bodies so that
``gigaplan --help`` stays fast. Errors are turned into one line here and only
here: input and catalog errors exit with code 2, other gigaplan errors with 1.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from gigaplan.errors import CatalogError, GigaplanError, InputError


class _ErrorTranslatingGroup(TyperGroup):
    """Top-level group that turns gigaplan errors into one line and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (InputError, CatalogError) as err:
            typer.echo(f"gigaplan: error: {err}", err=True)
            ctx.exit(2)
        except GigaplanError as err:
            typer.echo(f"gigaplan: error: {err}", err=True)
            ctx.exit(1)


app = typer.Typer(
    cls=_ErrorTranslatingGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Plan and simulate AI compute infrastructure at gigawatt scale.",
)

# Each verb module registers its commands on `app` when imported.
# Keep one line per module; the order is the order of `gigaplan --help`.
from gigaplan.cli import catalog as _catalog  # noqa: E402,F401
from gigaplan.cli import estimate as _estimate  # noqa: E402,F401
from gigaplan.cli import factory as _factory  # noqa: E402,F401
from gigaplan.cli import plan as _plan  # noqa: E402,F401
from gigaplan.cli import power as _power  # noqa: E402,F401
from gigaplan.cli import risk as _risk  # noqa: E402,F401
from gigaplan.cli import run as _run  # noqa: E402,F401
from gigaplan.cli import sweep as _sweep  # noqa: E402,F401
from gigaplan.cli import validate as _validate  # noqa: E402,F401


def main() -> None:
    """Entry point of the ``gigaplan`` console script."""
    sys.exit(app())
