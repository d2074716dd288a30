"""`python -m explorer.applications`: the command lives in explorer.commands.applications."""

from explorer.commands.applications import main

if __name__ == "__main__":
    raise SystemExit(main())
