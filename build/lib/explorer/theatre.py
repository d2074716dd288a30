"""`python -m explorer.theatre`: the command lives in explorer.commands.theatre."""

from explorer.commands.theatre import main

if __name__ == "__main__":
    raise SystemExit(main())
