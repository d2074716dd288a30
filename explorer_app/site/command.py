"""`python -m explorer.export site OUT/ --dataset mnist --models vae-z16 wae-z16 [--lang zh]`.

Writes a folder that opens from file:// with no server and no network (explorer_app/site: what it holds).
An existing folder is replaced only if it is an earlier export; exit status 2 and one line on stderr for
anything refused, with nothing written.
"""

from __future__ import annotations

from pathlib import Path

from explorer.commands.args import ArgumentParser, fail
from explorer.errors import ExplorerError, ExportRefused


def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m explorer.export", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    site = commands.add_parser("site", help="a self-contained folder that opens from file://")
    site.add_argument("out", type=Path, help="the folder to write (new, empty, or an earlier export)")
    site.add_argument("--dataset", default="mnist")
    site.add_argument("--models", nargs="+", required=True, help="up to three checkpoints of the dataset")
    site.add_argument("--lang", default="en", help="the page's language: en or zh")
    site.add_argument("--zoo", action="append", default=[], help="a zoo of your own to export from")
    args = parser.parse_args(argv)
    if args.zoo:
        from explorer_app.zoos import open_zoos

        open_zoos([item for zoo in args.zoo for item in ("--zoo", str(zoo))])
    from explorer_app.site import write_site

    try:
        record = write_site(args.out, args.dataset, args.models, args.lang)
    except ExportRefused as err:
        return fail(str(err))
    except ExplorerError as err:
        return fail(f"{err} (nothing was written)")
    per_model = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in record["bytes_per_model"].items())
    print(f"wrote {args.out}: {record['points']} points; {per_model}; shared {record['bytes_shared'] / 1e6:.1f} MB. "
          f"Open {args.out / 'index.html'} in a browser.")
    return 0
