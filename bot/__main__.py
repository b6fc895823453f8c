"""`python -m bot ...`: the command line (bot/cli.py)."""

from bot.cli import main

main()
