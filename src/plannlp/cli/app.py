"""The typer application; each command module under plannlp.cli registers on it."""

import typer

app = typer.Typer(
    help="plannlp: find targets and responsible agencies in Vietnamese public-health plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
corpus_app = typer.Typer(help="Build, check and convert the labelled corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
