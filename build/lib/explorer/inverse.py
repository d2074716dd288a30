"""`python -m explorer.inverse`: the command lives in explorer.commands.inverse."""

from explorer.commands.inverse import main

if __name__ == "__main__":
    raise SystemExit(main())
