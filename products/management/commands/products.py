"""`manage.py products export FILE` / `manage.py products import FILE`.

Export writes each product's current version as stable, sorted JSON, so strategy changes can be
reviewed as diffs. Import validates every definition (shape, catalogue rules and the APR cap)
and changes nothing when any part is invalid; changed products become new draft versions that
still need review and approval.
"""

from __future__ import annotations

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from products import selectors, services


class Command(BaseCommand):
    help = "Export or import product definitions as JSON (import is all-or-nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write product definitions to FILE ('-' for stdout)")
        export.add_argument("file")
        export.add_argument("--code", action="append", dest="codes", help="only this product (repeatable)")
        imp = sub.add_parser("import", help="validate and import product definitions from FILE")
        imp.add_argument("file")
        imp.add_argument("--as", dest="username", required=True, help="the Product Manager doing the import")

    def handle(self, *args, action, file, **options):
        if action == "export":
            data = selectors.catalogue_export(codes=options.get("codes"))
            text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
            if file == "-":
                self.stdout.write(text, ending="")
            else:
                with open(file, "w", encoding="utf-8") as handle:
                    handle.write(text)
                self.stderr.write(f"exported {len(data['products'])} products to {file}")
            return
        try:
            actor = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {options['username']!r}") from None
        try:
            raw = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
            data = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            outcomes = services.products_import(data=data, actor=actor)
        except services.ProductError as exc:
            lines = [
                f"  {field}: {message}" for field, messages in exc.errors.items() for message in messages
            ]
            raise CommandError("import refused, nothing changed:\n" + "\n".join(lines)) from None
        for outcome in outcomes:
            self.stdout.write(f"{outcome.code}: {outcome.action} (version {outcome.version.version})")
