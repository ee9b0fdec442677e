"""`plannlp scrape`: fetch plan pages politely into a raw web corpus."""

from __future__ import annotations

from pathlib import Path

import typer

from plannlp.cli.app import app


@app.command()
def scrape(
    urls: Path = typer.Option(..., "--urls", help="Text file of URLs, one a line (# starts a comment)."),
    out: Path = typer.Option(Path("corpus/raw/web"), "--out", help="Output folder (created)."),
    delay: float = typer.Option(1.0, help="Seconds between two requests to one host."),
    timeout: float = typer.Option(20.0, help="Seconds one response may take, from the request to its last byte (per attempt)."),
    retries: int = typer.Option(3, help="Extra attempts after timeouts, 429 and 5xx."),
    max_redirects: int = typer.Option(10, help="Redirects followed before giving up on a URL."),
    progress: bool = typer.Option(True, help="Show a progress bar on stderr."),
) -> None:
    """Fetch pages (robots.txt respected, cached, resumable); keep raw HTML, metadata and main text."""
    from plannlp.acquire.scrape import read_url_list
    from plannlp.acquire.scrape import scrape as run_scrape

    summary = run_scrape(
        read_url_list(urls),
        out,
        delay=delay,
        timeout=timeout,
        retries=retries,
        max_redirects=max_redirects,
        progress=progress,
    )
    typer.echo(summary.format())
