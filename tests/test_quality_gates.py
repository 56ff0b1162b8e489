"""The quality gate of `make check-quality`, enforced in CI.

Every demo page, served by gunicorn with the production settings: Lighthouse (mobile) at 100
for accessibility, best practices and SEO and at least 95 for performance; no axe-core WCAG
2.x A/AA violation; no error from the W3C Nu HTML checker. It takes a few minutes.
"""

import pytest

from .demo import DEMO_URLS
from .quality.check_quality import run_gate, table
from .quality.chromium import require_chromium, require_node_tools

pytestmark = pytest.mark.browser


def test_every_demo_page_passes_lighthouse_axe_and_vnu(tmp_path):
    require_chromium()
    require_node_tools()

    results = run_gate(tmp_path)

    checked = {result.path for result in results}
    assert set(DEMO_URLS) <= checked, f"not in the sitemap: {set(DEMO_URLS) - checked}"
    assert all(result.passed for result in results), "\n" + table(results)
