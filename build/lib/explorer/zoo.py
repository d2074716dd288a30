"""`python -m explorer.zoo`: the command lives in explorer.commands.zoo."""

from explorer.commands.zoo import main

if __name__ == "__main__":
    raise SystemExit(main())
