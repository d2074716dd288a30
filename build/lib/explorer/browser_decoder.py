"""`python -m explorer.browser_decoder`: the command lives in explorer.commands.browser_decoder."""

from explorer.commands.browser_decoder import main

if __name__ == "__main__":
    raise SystemExit(main())
