"""Which zoo folders the app opens: the shipped one, and yours.

    streamlit run app.py -- --zoo DIR [--zoo DIR2]      # beside the shipped zoo (--pretrained DIR: the same)
    streamlit run app.py -- --zoo DIR --no-shipped      # in its place
    EXPLORER_ZOO=DIR streamlit run app.py               # the same, from the environment
    streamlit run app.py -- --zoo DIR --trust-module examples.mlp_autoencoder   # run that model code

A zoo folder is what ``python -m explorer.train --data`` writes (``python -m explorer.zoo check
DIR`` says what in it is usable): one folder per dataset with its test split and checkpoints.
Its datasets appear in the sidebar with their own names; a name the shipped zoo has is not
shadowed.
"""

from __future__ import annotations

import argparse
import os

from explorer.data.datasets import SHIPPED_ENV, ZOO_ENV
from explorer.models.custom import TRUST_ENV


def open_zoos(argv: list[str]) -> None:
    """Read the script's own arguments (after ``--``) into the environment the catalogue reads."""
    if not argv:
        return
    parser = argparse.ArgumentParser(prog="streamlit run app.py --", add_help=False)
    parser.add_argument("--zoo", "--pretrained", dest="zoo", action="append", default=[])
    parser.add_argument("--no-shipped", action="store_true")
    parser.add_argument("--trust-module", action="append", default=[])
    args, _ = parser.parse_known_args(argv)  # others are not ours (a test runner's, for one)
    if args.zoo:
        os.environ[ZOO_ENV] = os.pathsep.join(args.zoo)
    if args.trust_module:  # the user's own model code, named explicitly (explorer.models.custom)
        os.environ[TRUST_ENV] = ",".join(args.trust_module)
    if args.zoo or args.no_shipped:
        os.environ[SHIPPED_ENV] = "0" if args.no_shipped else "1"
