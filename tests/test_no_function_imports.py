"""No module in ``services`` imports inside a function to dodge a cycle.

Read with ``ast``, so the test sees every function, whether or not a test runs it. The
page routes in ``services/models.py`` still import their handlers when they run: the
handlers import the models (see docs/architecture.md, "Cycles go"). They are named here
one by one, so a new one fails the test, and one that goes must be struck from the list.
"""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "services"

STILL_INSIDE_PAGE_ROUTES = {
    ("models.py", "BookingPage.booking_form", "booking"),
    ("models.py", "BookingPage.serve_after_csrf_failure", "booking"),
    ("models.py", "BookingPage.client_link", "client_pages"),
    ("models.py", "ContactPage.get_form_class", "forms"),
    ("models.py", "ContactPage.get_submissions_list_view_class", "wagtail_hooks"),
    ("models.py", "ContactPage.contact_form", "contact"),
    ("models.py", "ContactPage.serve_after_csrf_failure", "contact"),
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


def test_no_services_module_imports_inside_a_function():
    found = set()
    for path in sorted(SERVICES.rglob("*.py")):
        if "migrations" not in path.parts:
            found |= imports_inside_functions(path)
    assert found == STILL_INSIDE_PAGE_ROUTES
