"""`python -m explorer.data`: the command lives in explorer.commands.data."""

from explorer.commands.data import main

raise SystemExit(main())
