"""`python -m shared.events asyncapi` prints the catalog as AsyncAPI 3.0 JSON.

`python -m shared.events asyncapi --check docs/asyncapi.json` fails if that file is stale;
`--write FILE` rewrites it.
"""

import argparse
import json
import sys
from pathlib import Path

from shared.events.asyncapi import document


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.events")
    parser.add_argument("command", choices=["asyncapi"])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--check", type=Path, help="exit 1 if FILE differs from the catalog")
    target.add_argument("--write", type=Path, help="write the document to FILE")
    args = parser.parse_args()
    text = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    if args.write:
        args.write.write_text(text)
    elif args.check:
        if not args.check.exists() or args.check.read_text() != text:
            print(
                f"{args.check} is stale: run python -m shared.events asyncapi --write {args.check}"
            )
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
