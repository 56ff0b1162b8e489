"""Whether an archive's database is one this code can restore: read from the archived copy
itself, before anything of the live site is touched.

It must be a database of this site (Django's and Wagtail's core tables, a Wagtail site with
pages, this site's own migrations applied), and every migration it records for an app this
code has must be one this code knows, with its dependencies applied too. A database from a
newer version of the site, or from another site, fails that; an older one passes, and is
migrated forward after it is put back (``backups.archive``).
"""

import contextlib
import dataclasses
import re
import sqlite3
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

CORE_TABLES = ("django_migrations", "django_content_type", "wagtailcore_page", "wagtailcore_site")
# The first migration of each of this site's own apps: every database of this site has them.
OWN_MIGRATIONS = (("home", "0001_initial"), ("services", "0001_initial"))
COUNTED_TABLES = ("wagtailcore_page", "wagtailcore_site")


class SchemaProblem(Exception):
    """Why the archived database cannot be restored by this code; the message says it."""


@dataclasses.dataclass(frozen=True)
class ArchivedDatabase:
    tables: frozenset[str]
    applied: frozenset[tuple[str, str]]
    rows: dict[str, int]  # of COUNTED_TABLES


def read_sqlite(path: Path) -> ArchivedDatabase:
    uri = f"{path.as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as copy:
        tables = frozenset(
            name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")
        )
        applied = frozenset()
        if "django_migrations" in tables:
            applied = frozenset(copy.execute("SELECT app, name FROM django_migrations"))
        rows = {
            table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in COUNTED_TABLES
            if table in tables
        }
    return ArchivedDatabase(tables, applied, rows)


_NAME = r'(?:"?\w+"?\.)?"?(\w+)"?'
_CREATE_TABLE = re.compile(rf"^CREATE TABLE {_NAME} \($")
_COPY = re.compile(rf"^COPY {_NAME} \(([^)]*)\) FROM stdin;$")


def read_postgres_script(script: Path) -> ArchivedDatabase:
    """The same facts from the SQL that pg_restore wrote of the dump: its CREATE TABLE
    statements and the COPY blocks of the few tables needed (one row a line, tab-separated)."""
    tables, applied, rows = set(), set(), {}
    with open(script, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if created := _CREATE_TABLE.match(line):
                tables.add(created[1])
                continue
            if not (copying := _COPY.match(line)):
                continue
            table, columns = copying[1], [c.strip().strip('"') for c in copying[2].split(",")]
            count = 0
            for row in lines:
                if row.rstrip("\n") == "\\.":
                    break
                count += 1
                if table == "django_migrations":
                    values = dict(zip(columns, row.rstrip("\n").split("\t"), strict=False))
                    applied.add((values.get("app", ""), values.get("name", "")))
            rows[table] = count
    counted = {table: rows.get(table, 0) for table in COUNTED_TABLES if table in tables}
    return ArchivedDatabase(frozenset(tables), frozenset(applied), counted)


def check_restorable(database: ArchivedDatabase) -> None:
    """Raises SchemaProblem unless this code can put the database back and migrate it forward."""
    missing = [table for table in CORE_TABLES if table not in database.tables]
    if missing:
        raise SchemaProblem(
            "The archive's database is not a database of this site: it has no "
            f"{', '.join(missing)} table{'s' if len(missing) > 1 else ''} (an empty or an "
            "unrelated database)."
        )
    empty = [table for table in COUNTED_TABLES if not database.rows.get(table)]
    if empty:
        raise SchemaProblem(
            f"The archive's database is not a database of this site: {', '.join(empty)} "
            "has no rows (no Wagtail site or pages)."
        )
    if not all(migration in database.applied for migration in OWN_MIGRATIONS):
        raise SchemaProblem(
            "The archive's database is not a database of this site: this site's own "
            "migrations were never applied to it."
        )
    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    unknown = sorted(
        migration
        for migration in database.applied
        if migration[0] in loader.migrated_apps and migration not in loader.disk_migrations
    )
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise SchemaProblem(
            f"The archive's database has migrations this code does not know ({names}{more}): "
            "it was made by a newer version of the site, or by another site. Restore it "
            "with the code it was made with."
        )
    for migration in sorted(database.applied & set(loader.graph.nodes)):
        for parent in loader.graph.node_map[migration].parents:
            if parent in database.applied:
                continue
            replacing = loader.replacements.get(parent)
            if replacing and all(old in database.applied for old in replacing.replaces):
                continue
            raise SchemaProblem(
                f"The archive's database records {migration[0]}.{migration[1]} as applied but "
                f"not {parent[0]}.{parent[1]}, which it depends on: it cannot be migrated."
            )
