"""pyproject.toml, requirements.lock and the code's imports agree, checked offline.

pyproject.toml declares every direct dependency; `make lock` pins them, and everything they
need, in requirements.lock; `make install` installs the lock. What each package needs is read
from the installed packages' own metadata, so no package index is asked.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parent.parent
# What runs on the server may import only [project] dependencies; tests and the benchmark
# may also import the test extra's packages, but not the lint tools of the dev extra.
PRODUCT = ("home", "blog", "services", "practice", "manage.py")
TOOLING = ("tests", "bench")
# Settings name modules in strings (INSTALLED_APPS, MIDDLEWARE, BACKEND): Django imports them.
SETTINGS = Path("practice", "settings")
DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(?:\.\w+)+")

Groups = dict[str, list[Requirement]]


def declared(pyproject: str) -> Groups:
    """The declared requirements: "runtime", then each optional group (test, dev)."""
    project = tomllib.loads(pyproject)["project"]
    groups = {
        "runtime": project.get("dependencies", []),
        **project.get("optional-dependencies", {}),
    }
    return {group: [Requirement(line) for line in lines] for group, lines in groups.items()}


def pins(lock: str) -> dict[str, Version]:
    """requirements.lock as {canonical name: version}. Every entry must be an exact pin."""
    pinned = {}
    for line in lock.splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry or entry.startswith("-"):
            continue
        requirement = Requirement(entry)
        operators = [spec.operator for spec in requirement.specifier]
        if operators != ["=="] or requirement.marker or requirement.extras:
            raise ValueError(f"requirements.lock: {entry!r} is not a plain exact pin")
        version = Version(next(iter(requirement.specifier)).version)
        pinned[canonicalize_name(requirement.name)] = version
    return pinned


def applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    """Whether the requirement holds here, for a package installed with these extras."""
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in {"", *extras})


def installed_requires(name: str) -> list[str]:
    try:
        return importlib.metadata.requires(name) or []
    except importlib.metadata.PackageNotFoundError:
        return []  # test_the_installed_packages_are_the_locked_ones names it


def needed(groups: Groups, requires: Callable[[str], list[str]]) -> dict[str, str]:
    """Every distribution the declared requirements need here, with one that needs it."""
    extras_of: dict[str, set[str]] = {}
    needed_by: dict[str, str] = {}
    queue = [(req, "pyproject.toml") for reqs in groups.values() for req in reqs]
    queue = [(req, parent) for req, parent in queue if applies(req, ())]
    while queue:
        requirement, parent = queue.pop()
        name = canonicalize_name(requirement.name)
        known = extras_of.get(name)
        if known is not None and set(requirement.extras) <= known:
            continue
        extras_of[name] = (known or set()) | set(requirement.extras)
        needed_by.setdefault(name, parent)
        children = (Requirement(line) for line in requires(name))
        queue.extend((child, name) for child in children if applies(child, extras_of[name]))
    return needed_by


def unmet_declarations(groups: Groups, pinned: Mapping[str, Version]) -> list[str]:
    """Declared requirements that the lock leaves out or pins outside their range."""
    problems = []
    for requirement in (req for reqs in groups.values() for req in reqs):
        name = canonicalize_name(requirement.name)
        if name not in pinned:
            problems.append(f"{requirement} is declared but not pinned in requirements.lock")
        elif not requirement.specifier.contains(pinned[name], prereleases=True):
            problems.append(f"requirements.lock pins {name}=={pinned[name]}, not {requirement}")
    return problems


def lock_mismatches(
    groups: Groups, pinned: Mapping[str, Version], requires: Callable[[str], list[str]]
) -> list[str]:
    """Pins that nothing declared needs, and needed packages that the lock does not pin."""
    need = needed(groups, requires)
    stray = [
        f"requirements.lock pins {name}, which nothing declared in pyproject.toml needs"
        for name in sorted(pinned.keys() - need.keys())
    ]
    missing = [
        f"{name} (needed by {need[name]}) is not pinned in requirements.lock"
        for name in sorted(need.keys() - pinned.keys())
    ]
    return stray + missing


def install_mismatches(
    pinned: Mapping[str, Version], version_of: Callable[[str], str]
) -> list[str]:
    problems = []
    for name, version in sorted(pinned.items()):
        try:
            installed = Version(version_of(name))
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name}=={version} is pinned but not installed: run `make install`")
            continue
        if installed != version:
            problems.append(f"{name}: the lock pins {version}, .venv has {installed}")
    return problems


def source_files(root: Path) -> list[Path]:
    files = []
    for name in PRODUCT + TOOLING:
        path = root / name
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files.extend(file for file in found if "__pycache__" not in file.parts)
    return files


def modules_used(path: Path, root: Path, providers: Mapping[str, list[str]]) -> set[str]:
    """The top-level modules a file imports, and, in settings, those it names as dotted paths."""
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
        elif (
            path.relative_to(root).parent == SETTINGS
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and DOTTED_PATH.fullmatch(node.value)
            and node.value.split(".")[0] in providers  # not an address or a host name
        ):
            modules.add(node.value.split(".")[0])
    return modules


def undeclared_imports(
    files: Iterable[Path], root: Path, groups: Groups, providers: Mapping[str, list[str]]
) -> list[str]:
    """Third-party modules the code uses that no declared distribution provides."""
    runtime = {canonicalize_name(req.name) for req in groups["runtime"]}
    tested = runtime | {canonicalize_name(req.name) for req in groups.get("test", [])}
    every = {canonicalize_name(req.name) for reqs in groups.values() for req in reqs}
    local = {path.name.removesuffix(".py") for path in root.iterdir()}
    problems = []
    for path in files:
        relative = path.relative_to(root)
        in_product = relative.parts[0] in PRODUCT
        for module in sorted(modules_used(path, root, providers) - local):
            if module in sys.stdlib_module_names:
                continue
            dists = {canonicalize_name(dist) for dist in providers.get(module, [])}
            if not dists:
                problems.append(f"{relative} imports {module}, which no installed package provides")
            elif not dists & every:
                problems.append(
                    f"{relative} uses {module}, from {', '.join(sorted(dists))}, "
                    "which pyproject.toml does not declare"
                )
            elif in_product and not dists & runtime:
                problems.append(
                    f"{relative} uses {module}, which pyproject.toml declares for development "
                    "only: the site needs it in [project] dependencies"
                )
            elif not in_product and not dists & tested:
                problems.append(
                    f"{relative} uses {module}, which pyproject.toml declares as a lint tool "
                    "(dev) only: the tests need it in the test extra"
                )
    return problems


def project_groups() -> Groups:
    return declared((REPO_ROOT / "pyproject.toml").read_text())


def project_pins() -> dict[str, Version]:
    return pins((REPO_ROOT / "requirements.lock").read_text())


def test_the_lock_pins_every_declared_requirement_within_its_range():
    assert unmet_declarations(project_groups(), project_pins()) == []


def test_the_lock_pins_exactly_what_the_declared_requirements_need():
    assert lock_mismatches(project_groups(), project_pins(), installed_requires) == []


def test_the_installed_packages_are_the_locked_ones():
    assert install_mismatches(project_pins(), importlib.metadata.version) == []


def test_every_third_party_module_the_code_uses_is_declared():
    providers = importlib.metadata.packages_distributions()
    files = source_files(REPO_ROOT)
    assert len(files) > 100  # the walk found the code
    assert undeclared_imports(files, REPO_ROOT, project_groups(), providers) == []


# Each check, given inputs with one thing wrong, names it.


def without(groups: Groups, name: str) -> Groups:
    return {group: [req for req in reqs if req.name != name] for group, reqs in groups.items()}


def lock_without(name: str) -> str:
    lines = (REPO_ROOT / "requirements.lock").read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(f"{name}==")]
    assert len(kept) == len(lines) - 1
    return "".join(kept)


def test_a_declared_package_that_the_lock_lacks_is_named():
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    dev = "dev = [\n"
    assert pyproject.count(dev) == 1
    groups = declared(pyproject.replace(dev, dev + '    "wagtail-factories>=4",\n'))

    problems = unmet_declarations(groups, project_pins())

    assert problems == ["wagtail-factories>=4 is declared but not pinned in requirements.lock"]


def test_a_pin_outside_the_declared_range_is_named():
    pinned = project_pins() | {"django": Version("5.1.4")}

    problems = unmet_declarations(project_groups(), pinned)

    assert len(problems) == 1
    assert problems[0].startswith("requirements.lock pins django==5.1.4, not Django")


def test_a_pin_that_nothing_declared_needs_is_named():
    lock = (REPO_ROOT / "requirements.lock").read_text() + "pytest-xdist==3.8.0\nexecnet==2.1.2\n"

    problems = lock_mismatches(project_groups(), pins(lock), installed_requires)

    assert problems == [
        "requirements.lock pins execnet, which nothing declared in pyproject.toml needs",
        "requirements.lock pins pytest-xdist, which nothing declared in pyproject.toml needs",
    ]


def test_a_declared_package_dropped_from_pyproject_leaves_its_pin_stray():
    groups = without(project_groups(), "djhtml")

    assert lock_mismatches(groups, project_pins(), installed_requires) == [
        "requirements.lock pins djhtml, which nothing declared in pyproject.toml needs"
    ]


def test_a_needed_package_missing_from_the_lock_is_named_with_what_needs_it():
    # sqlparse is Django's; psycopg-binary comes only with the declared extra psycopg[binary].
    for name, needer in [("sqlparse", "django"), ("psycopg-binary", "psycopg")]:
        problems = lock_mismatches(project_groups(), pins(lock_without(name)), installed_requires)

        assert problems == [f"{name} (needed by {needer}) is not pinned in requirements.lock"]


def test_markers_and_extras_decide_what_a_package_needs():
    assert applies(Requirement('psycopg-binary; extra == "binary"'), {"binary"})
    assert not applies(Requirement('psycopg-binary; extra == "binary"'), ())
    assert not applies(Requirement('async-timeout; python_version < "3.0"'), ())
    assert applies(Requirement("sqlparse>=0.3.1"), ())


def test_a_lock_entry_that_is_not_an_exact_pin_is_refused():
    for entry in ("django>=5.2", "psycopg[binary]==3.3.9", "django"):
        try:
            pins(f"{entry}\n")
        except ValueError as error:
            assert entry in str(error)
        else:
            raise AssertionError(f"{entry} was accepted")


def test_an_installed_version_other_than_the_locked_one_is_named():
    pinned = project_pins() | {"django": Version("5.1.4"), "wagtail-factories": Version("4.2")}

    problems = install_mismatches(pinned, importlib.metadata.version)

    assert problems == [
        f"django: the lock pins 5.1.4, .venv has {importlib.metadata.version('django')}",
        "wagtail-factories==4.2 is pinned but not installed: run `make install`",
    ]


def write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


def test_an_import_that_pyproject_does_not_declare_is_named(tmp_path):
    write(tmp_path, "tests/test_page.py", "def test_x():\n    from bs4 import BeautifulSoup\n")
    write(tmp_path, "tests/test_tool.py", "import not_a_real_package.sub\n")
    providers = importlib.metadata.packages_distributions()
    files = source_files(tmp_path)

    problems = undeclared_imports(
        files, tmp_path, without(project_groups(), "beautifulsoup4"), providers
    )

    assert problems == [
        "tests/test_page.py uses bs4, from beautifulsoup4, which pyproject.toml does not declare",
        "tests/test_tool.py imports not_a_real_package, which no installed package provides",
    ]


def test_product_code_may_not_use_a_package_declared_for_development_only(tmp_path):
    write(tmp_path, "home/parsing.py", "import os\nimport bs4\nfrom home import models\n")
    write(tmp_path, "tests/test_parsing.py", "import bs4\nfrom .servers import REPO_ROOT\n")
    providers = importlib.metadata.packages_distributions()

    problems = undeclared_imports(source_files(tmp_path), tmp_path, project_groups(), providers)

    assert problems == [
        "home/parsing.py uses bs4, which pyproject.toml declares for development only: "
        "the site needs it in [project] dependencies"
    ]


def test_tests_may_not_use_a_package_declared_as_a_lint_tool_only(tmp_path):
    write(tmp_path, "tests/test_layers.py", "import importlinter\nimport pytest\n")
    providers = importlib.metadata.packages_distributions()

    problems = undeclared_imports(source_files(tmp_path), tmp_path, project_groups(), providers)

    assert problems == [
        "tests/test_layers.py uses importlinter, which pyproject.toml declares as a lint tool "
        "(dev) only: the tests need it in the test extra"
    ]


def test_the_heavy_test_only_packages_are_in_the_test_extra():
    test_extra = {canonicalize_name(req.name) for req in project_groups()["test"]}
    assert {"playwright", "moto", "python-docx", "pytest"} <= test_extra


def test_a_module_that_settings_name_in_a_string_counts_as_used(tmp_path):
    write(
        tmp_path,
        "practice/settings/base.py",
        'TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}\n'
        'SERVER_EMAIL = "site@calmhands.example"\nALLOWED_HOSTS = ["calmhands.example"]\n',
    )
    providers = importlib.metadata.packages_distributions()
    groups = without(project_groups(), "django-tasks")

    problems = undeclared_imports(source_files(tmp_path), tmp_path, groups, providers)

    assert problems == [
        "practice/settings/base.py uses django_tasks, from django-tasks, "
        "which pyproject.toml does not declare"
    ]
