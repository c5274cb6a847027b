"""`python -m casebook …` is the `casebook` command."""

from casebook.cli import main

main()
