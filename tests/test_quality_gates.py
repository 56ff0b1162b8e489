"""The quality gate of `make check-quality`, enforced in CI.

Every demo page, served by gunicorn with the production settings: Lighthouse (mobile) at 100
for accessibility, best practices and SEO; no axe-core WCAG 2.x A/AA violation; no error from
the W3C Nu HTML checker; at most 60 KB of HTML, CSS and JavaScript. Lighthouse's performance
score depends on how busy the machine is, so it is reported at the end of the run (and in
performance.txt beside the reports), never asserted: `make bench` measures speed.
"""

import pytest

from .demo import DEMO_URLS
from .quality.check_quality import performance_report, run_gate, table
from .quality.chromium import require_chromium, require_node_tools

pytestmark = pytest.mark.browser


def test_every_demo_page_passes_lighthouse_axe_vnu_and_its_weight(tmp_path, summary_section):
    require_chromium()
    require_node_tools()

    results = run_gate(tmp_path)
    report = tmp_path / "performance.txt"
    report.write_text(performance_report(results))
    summary_section("quality gate: performance, reported", f"{report.read_text()}  ({report})\n")

    checked = {result.path for result in results}
    assert set(DEMO_URLS) <= checked, f"not in the sitemap: {set(DEMO_URLS) - checked}"
    assert all(result.passed for result in results), "\n" + table(results)
