"""`python -m explorer.export`: the command lives in explorer_app.site.command (the app's pages, exported)."""

from explorer_app.site.command import main

if __name__ == "__main__":
    raise SystemExit(main())
