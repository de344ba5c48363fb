"""The ``gigaplan`` command: a thin typer shell over the Python API.

Each verb lives in its own module under ``gigaplan.cli`` and registers itself on
:data:`app`; heavy libraries are imported inside the command bodies so that
``gigaplan --help`` stays fast. Errors are turned into one line here and only
here: input and catalog errors exit with code 2, other gigaplan errors with 1.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import exceptions as click  # typer vendors click
from typer.core import TyperGroup

from gigaplan.errors import CatalogError, GigaplanError, InputError, _describe


def _given(args: Sequence[str], opts: Sequence[str]) -> str | None:
    """The value given on the command line for an option, if it can be found."""
    for i, arg in enumerate(args):
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1 :]
    return None


def _bad_parameter_line(err: click.ClickException, args: Sequence[str]) -> str:
    """``FIELD=VALUE: what is allowed`` for a value typer could not convert."""
    param = getattr(err, "param", None)
    if param is None:
        return err.format_message()
    opts = [o for o in param.opts if o.startswith("-")] or [param.name or "?"]
    value = _given(args, opts) if opts[0].startswith("-") else None
    message = " ".join(err.message.split()) or "not allowed"
    if isinstance(err, click.MissingParameter):
        return f"{opts[0]}=<missing>: required"
    if value is None:  # an argument: the message shows the value
        return f"{opts[0]}: {message}"
    return f"{opts[0]}={_describe(value)}: {message}"


def _clean_help(command: Any, ctx: typer.Context) -> None:
    """No type after a flag in ``--help`` (``--json``, not ``--json <bool>``).

    A file-list option reads ``FILE`` rather than ``<list[Path]>``. Applied to
    every command and sub-group, so each verb's module stays plain typer.
    """
    for param in command.get_params(ctx):
        if param.metavar is not None or not param.opts:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif "list[path]" in str(param.display_type(ctx)).lower():
            param.metavar = "FILE"
    for sub in getattr(command, "commands", {}).values():
        _clean_help(sub, ctx)


class _ErrorTranslatingGroup(TyperGroup):
    """Top-level group that turns gigaplan errors into one line and an exit code.

    Values typer cannot convert (``--count abc``) and pydantic errors of a
    model built from options read the same: ``gigaplan: error: FIELD=VALUE:
    what is allowed``, exit code 2.
    """

    def get_params(self, ctx: typer.Context) -> list[Any]:  # type: ignore[override]
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _clean_help(command, ctx)
        return command

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        args = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except (InputError, CatalogError) as err:
            self._fail(ctx, str(err), 2)
        except (click.BadParameter, click.BadOptionUsage, click.NoSuchOption) as err:
            self._fail(ctx, _bad_parameter_line(err, args), 2)
        except GigaplanError as err:
            self._fail(ctx, str(err), 1)
        except Exception as err:
            # pydantic is loaded by the verbs that use it, not for --help
            pydantic = sys.modules.get("pydantic")
            if pydantic is None or not isinstance(err, pydantic.ValidationError):
                raise
            from gigaplan._schema import validation_to_input_error

            self._fail(ctx, str(validation_to_input_error(err)), 2)

    @staticmethod
    def _fail(ctx: typer.Context, line: str, code: int) -> None:
        typer.echo(f"gigaplan: error: {' '.join(line.splitlines())}", err=True)
        ctx.exit(code)


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
