"""The typer application; each command module under plannlp.cli registers on it."""

from typing import Optional

import typer

app = typer.Typer(
    help="plannlp: find targets and responsible agencies in Vietnamese public-health plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
corpus_app = typer.Typer(help="Build, check and convert the labelled corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


def _print_version(value: bool) -> None:
    if value:
        from plannlp.runrecord import code_revision, plannlp_version

        # the revision too: outputs record both, and a version alone does not name a clone's code
        typer.echo(f"plannlp {plannlp_version()} ({code_revision()})")
        raise typer.Exit()


@app.callback()
def _options(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_print_version, is_eager=True, help="print the version and code revision, then exit"
    ),
) -> None:
    """plannlp: find targets and responsible agencies in Vietnamese public-health plans."""
