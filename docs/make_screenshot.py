"""Save the first screen of the example workspace's HTML report as a PNG for the README.

    python docs/make_screenshot.py [WORKSPACE] [-o docs/report-screenshot.png]

WORKSPACE defaults to examples/acme (or, where that is missing, the small workspace the
tests build). The report is rendered by the ``html`` renderer and photographed in headless
Chromium from the distribution's package (Debian: ``apt-get install chromium``; or set
$CHROMIUM), driven by ``tests/cdp.py``. The page is loaded from a file with no network, as a
client would open it from an email.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from cdp import Browser, find_chromium  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", nargs="?", type=Path, default=REPO / "examples" / "acme")
    parser.add_argument("-o", "--output", type=Path,
                        default=REPO / "docs" / "report-screenshot.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found: apt-get install chromium (or set CHROMIUM)")

    from enableframe.assessment import run_assessment
    from enableframe.rendering import render

    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.workspace
        if not (workspace / "enableframe.yaml").is_file():
            from report_workspace import build_workspace

            print(f"{workspace} has no enableframe.yaml; using the tests' demo workspace")
            workspace = build_workspace(Path(tmp) / "demo")
        report = Path(tmp) / "report.html"
        report.write_text(render(run_assessment(workspace, cache=False), "html"), "utf-8")
        with Browser(chromium) as browser:
            browser.open(report.as_uri(), width=args.width, height=args.height)
            if browser.problems():
                sys.exit("the report logged problems:\n" + "\n".join(browser.problems()))
            browser.screenshot(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
