"""`python -m plannlp`: the command line."""

from plannlp.cli import main

main()
