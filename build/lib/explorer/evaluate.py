"""`python -m explorer.evaluate`: the command lives in explorer.commands.evaluate."""

from explorer.commands.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
