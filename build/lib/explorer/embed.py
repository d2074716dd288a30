"""`python -m explorer.embed`: the command lives in explorer.commands.embed."""

from explorer.commands.embed import main

if __name__ == "__main__":
    raise SystemExit(main())
