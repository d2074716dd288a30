"""`python -m explorer.fid`: the command lives in explorer.commands.fid."""

from explorer.commands.fid import main

if __name__ == "__main__":
    raise SystemExit(main())
