"""The workshop as a learner meets it: JupyterLab in a real (headless) Chromium.

Starts JupyterLab on the repository, opens the solved lab 4 notebook, runs all
cells, waits for the live view to draw a leader and watch arrows, and keeps a
screenshot in results/browser-lab4.png. Uses Debian's chromium (no browser
download); skipped only where it is not installed.
"""
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from harness.ensemble import local
from harness.manifest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.runs_checks,     # the notebook's check() runs the lab's checks
    pytest.mark.timeout(400),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    # Serve a copy: JupyterLab autosaves what it runs, and the repository's
    # solved notebooks must stay clean.
    work = tmp_path / "work"
    shutil.copytree(REPO / "solutions", work / "solutions")
    yield from serve(tmp_path, work)


def serve(tmp_path, work):
    """JupyterLab with its root at ``work``; yields (its address, its token)."""
    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path / "jupyter.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--ServerApp.open_browser=False", *(["--allow-root"] if os.geteuid() == 0 else []), "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=work, stdout=log, stderr=subprocess.STDOUT,
        # Jupyter's own files go to the temporary folder; the kernel must still
        # find the ensemble's state (pids, the fault lock) where everyone else does.
        env=dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                 JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
                 JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
                 ZK_WORKSHOP_STATE=str(local.state_dir())))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("JupyterLab did not start: " + (tmp_path / "jupyter.log").read_text()[-2000:])
    try:
        yield base, token
    finally:                    # also when the test failed inside its loop (closing())
        proc.terminate()
        proc.wait(timeout=20)


def run_all_cells(jupyterlab, notebook: str, shot_name: str, wait_for: str):
    """Open ``notebook`` (under solutions/) in Chromium, Run All Cells, wait for the CSS
    selector ``wait_for`` in the page; a screenshot kept in results/, pass or fail.
    Returns (the element found, the page's SVG markup)."""
    from playwright.sync_api import sync_playwright
    base, token = jupyterlab
    shot = REPO / "results" / shot_name
    shot.parent.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/solutions/{notebook}?token={token}")
        page.wait_for_selector(".jp-Notebook", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator, .jp-KernelStatus", timeout=60_000)
        time.sleep(2)     # let the kernel come up before asking it to run
        try:
            # A kernel still starting on a loaded machine can drop the request: Run All
            # again (at most twice more) when no cell has started within 90 s.
            started = ("() => [...document.querySelectorAll('.jp-InputPrompt')]"
                       ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))")
            for attempt in range(3):
                page.click('.lm-MenuBar-itemLabel:text-is("Run")', timeout=30_000)
                page.click('.lm-Menu-itemLabel:text-is("Run All Cells")', timeout=30_000)
                try:
                    page.wait_for_function(started, timeout=90_000)
                    break
                except Exception:
                    if attempt == 2:
                        raise
            found = page.wait_for_selector(wait_for, timeout=240_000)
            found.scroll_into_view_if_needed()
            text = found.text_content() or ""     # an SVG element: no inner_text
            svgs = [e.inner_html() for e in page.query_selector_all("svg")]
        finally:
            page.screenshot(path=str(shot))     # kept as the test's artifact, pass or fail
            browser.close()
    assert shot.exists() and shot.stat().st_size > 10_000
    return text, "\n".join(svgs)


def test_lab4_runs_in_a_browser_and_the_live_view_draws_the_election(jupyterlab):
    # The live view renders an SVG with a highlighted leader and watch arrows.
    _, svg = run_all_cells(jupyterlab, "04_predecessor_watch.ipynb", "browser-lab4.png",
                           "svg .leader")
    assert 'class="arrow' in svg, "the live view drew no watch arrow"


def test_lab6_runs_in_a_browser_and_the_live_view_shows_the_late_write_refused(jupyterlab):
    """Lab 6's try-it: the old leader's write, under way when its term ended, reaches the
    fenced store after the new leader's and is refused; the view draws it in red."""
    text, svg = run_all_cells(jupyterlab, "06_fencing.ipynb", "browser-lab6.png",
                              'svg g.write[data-accepted="false"]')
    assert "REFUSED" in text, text
    assert "c1 late" in svg


@pytest.mark.parametrize("folder", ["labs", "solutions"])
def test_every_notebooks_pictures_load_in_jupyterlab(tmp_path, folder):
    """Each notebook's pictures (harness/learner/pictures) render in JupyterLab with its
    root where a learner's is: the folder itself (``make lab`` serves labs/ only). A
    picture JupyterLab cannot fetch or decode has no natural width."""
    from playwright.sync_api import sync_playwright
    work = tmp_path / folder
    shutil.copytree(REPO / folder, work, ignore=shutil.ignore_patterns("wrong", "*.bak-*"))
    notebooks = sorted(p.name for p in work.glob("*.ipynb"))
    loaded = {}
    with contextlib.closing(serve(tmp_path, work)) as served:
        for base, token in served:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                # Only the notebook on show: each notebook opened before stays open in a
                # hidden tab, whose pictures are never visible (CI waited on one of those).
                shown = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .jp-RenderedMarkdown img"
                for name in notebooks:
                    page.goto(f"{base}/lab/tree/{name}?reset&token={token}")
                    page.wait_for_selector(".jp-MarkdownCell", timeout=60_000)
                    images = page.locator(shown)
                    page.wait_for_function(f"() => document.querySelectorAll({shown!r}).length > 0",
                                           timeout=60_000)
                    loaded[name] = []
                    for k in range(images.count()):
                        img = images.nth(k)
                        img.evaluate("i => i.scrollIntoView()")      # not Playwright's wait for
                        img.evaluate("i => i.complete || new Promise(r => { i.onload = i.onerror "
                                     "= r; })")                      # "visible": a broken one never is
                        loaded[name].append((img.get_attribute("alt"),
                                             img.evaluate("i => i.naturalWidth")))
                    if name == notebooks[-1]:
                        (REPO / "results").mkdir(exist_ok=True)
                        img.screenshot(path=str(REPO / "results" / f"pictures-{folder}.png"))
                browser.close()
    assert sorted(loaded) == notebooks
    assert all(loaded.values()), f"no picture in {[n for n, imgs in loaded.items() if not imgs]}"
    broken = {n: [alt for alt, w in imgs if not w] for n, imgs in loaded.items()}
    assert not any(broken.values()), \
        f"pictures JupyterLab could not show: {({n: a for n, a in broken.items() if a})}"
