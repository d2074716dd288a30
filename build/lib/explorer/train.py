"""`python -m explorer.train`: the command lives in explorer.commands.train."""

from explorer.commands.train import main

if __name__ == "__main__":
    raise SystemExit(main())
