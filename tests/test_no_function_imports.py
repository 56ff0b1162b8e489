"""No module of the project's apps imports inside a function to dodge a cycle.

Read with ``ast``, so the test sees every function, whether or not a test runs it. Every
app is read, each one the settings install from this repository. What is left is named here
one by one, so a new one fails the test, and one that goes must be struck from the list:

- ``AppConfig.ready()``, which imports the modules that connect signals, as Django intends:
  that is start-up order, not a dodged cycle;
- the settings' helpers, which run while the settings load;
- the backup's PostgreSQL client, imported only where a PostgreSQL database is backed up;
- one cycle still to go (docs/architecture.md, "Cycles go"): the guides' feed in a route
  of ``blog/models.py``.
"""

import ast
from pathlib import Path

from django.conf import settings

REPO = Path(__file__).resolve().parent.parent
APPS = sorted(
    {app.split(".")[0] for app in settings.INSTALLED_APPS if (REPO / app.split(".")[0]).is_dir()}
)

START_UP = {
    ("practice/apps.py", "PracticeConfig.ready"),
    ("home/apps.py", "HomeConfig.ready"),
    ("caching/apps.py", "CachingConfig.ready"),
    ("bookings/apps.py", "BookingsConfig.ready"),
}
STILL_INSIDE = {
    ("practice/settings/base.py", "trusted_proxies_setting", "django.core.exceptions"),
    ("practice/settings/base.py", "public_url_setting", "django.core.exceptions"),
    ("practice/settings/base.py", "s3_media_settings", "django.core.exceptions"),
    ("backups/archive.py", "_run_postgres_tool", "django.db.backends.postgresql.client"),
    ("blog/models.py", "BlogIndexPage.feed", "feeds"),
}


def imports_inside_functions(path: Path) -> set[tuple[str, str, str]]:
    found = set()

    def visit(node, names):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, [*names, child.name])
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [*names, child.name]
                for statement in ast.walk(child):
                    if isinstance(statement, ast.Import):
                        for alias in statement.names:
                            found.add((path.name, ".".join(inner), alias.name))
                    elif isinstance(statement, ast.ImportFrom):
                        module = "." * statement.level + (statement.module or "")
                        found.add((path.name, ".".join(inner), module.lstrip(".")))
            else:
                visit(child, names)

    visit(ast.parse(path.read_text()), [])
    return found


def test_the_reader_finds_an_import_inside_a_function(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("class A:\n    def f(self):\n        from .models import B\n")
    assert imports_inside_functions(planted) == {("planted.py", "A.f", "models")}


def test_every_app_is_read():
    assert {"services", "bookings", "home", "blog", "practice"} <= set(APPS)


def test_no_app_module_imports_inside_a_function():
    found = set()
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(REPO).as_posix()
            found |= {
                (relative, function, module)
                for _name, function, module in imports_inside_functions(path)
                if (relative, function) not in START_UP
            }
    assert found == STILL_INSIDE
