"""The reviewer's page (plan -o html, render --target html) loaded in a real browser.

Headless Chromium (Debian's `chromium` package, installed by .ci/run) opens the page from a
file with the network off; the DOM it built is checked for every identity and workload of the
plan, and a screenshot is kept in test-artifacts/ (git-ignored) for a person to look at.
Without Chromium the tests skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate_repo import generate
from tests.conftest import ROOT, SAMPLE

OPTIONS = ["--issuer", "https://westeurope.oic.prod-aks.azure.com/t/", "--cluster-name", "aks1"]
ARTEFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
    pytest.skip("chromium is not installed: apt-get install chromium")


def browse(page: Path, screenshot: Path, tmp_path: Path, height: int = 2400) -> str:
    """The DOM Chromium builds from PAGE (serialized), and a screenshot of its top."""
    browser = chromium()
    common = [browser, *CHROMIUM_FLAGS, f"--window-size=1400,{height}"]
    url = page.resolve().as_uri()
    dom = subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *common,
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            f"--screenshot={screenshot}",
            url,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000, "the screenshot looks blank"
    return dom


class Dom(HTMLParser):
    """Elements by tag, the text inside the SVG graph, and the text of the whole page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.svg_text: list[str] = []
        self.text: list[str] = []
        self.ids: list[str] = []
        self.title = ""
        self._svg = 0
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self._in.append(tag)
        self._svg += tag == "svg"
        self.ids += [v or "" for k, v in attrs if k == "id"]

    def handle_endtag(self, tag: str) -> None:
        self._svg -= tag == "svg"
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in and self._in[-1] == "title" and not self._svg:
            self.title += data
        if self._svg:
            self.svg_text.append(data)


def plan_of(run_cli: Any, source: Path) -> dict[str, Any]:
    code, out, err = run_cli("plan", str(source), *OPTIONS, "-o", "json")
    assert code == 0, err
    return dict(json.loads(out))


def assert_self_contained(html: str) -> None:
    lowered = html.lower()
    assert lowered.startswith("<!doctype html>")
    assert "content-security-policy" in lowered and "default-src 'none'" in lowered
    for outside in ("<script", "<link", " src=", "url(", "@import", "<iframe", "<object"):
        assert outside not in lowered, outside


def assert_shows_the_plan(dom: Dom, plan: dict[str, Any]) -> None:
    graph = " ".join(dom.svg_text)
    page = " ".join(" ".join(dom.text).split())
    identities = {a["identity"]["name"] for a in plan["actions"] if "credential" in a}
    workloads = {
        (a["target"]["namespace"], a["target"]["name"])
        for a in plan["actions"]
        if a["type"] == "switch-workload"
    }
    accounts = {a["serviceAccount"] for a in plan["actions"] if a["type"] == "switch-workload"}
    assert identities and workloads
    for name in identities | {n for _, n in workloads} | accounts:
        assert name in graph, f"{name} is not drawn in the graph"
    bindings = [
        a["target"]["name"]
        for a in plan["actions"]
        if a["type"] == "delete-object" and a["target"]["kind"] == "AzureIdentityBinding"
    ]
    assert any(b in graph for b in bindings), "no AzureIdentityBinding drawn"
    assert dom.tags["path"] >= len(workloads), "edges are missing"
    # each identity's federated-credential budget
    per_identity = Counter(a["identity"]["name"] for a in plan["actions"] if "credential" in a)
    for name, n in per_identity.items():
        assert f"{name} {n}/20" in page or f"{n}/20" in page, name
    # findings grouped by file, with line numbers; actions per stage
    for finding in plan["findings"]:
        origin = finding["origin"]
        if origin["file"]:
            assert origin["file"] in page, origin["file"]
            if origin["line"]:
                assert f"{origin['file']}:{origin['line']}" in page or (
                    f"line {origin['line']}" in page
                ), (origin, finding["code"])
        assert finding["code"] in page
    for stage in ("prepare", "switch", "retire", "uninstall"):
        n = sum(a["stage"] == stage for a in plan["actions"])
        if n:
            assert f"{stage} ({n})" in page or f"{stage} · {n}" in page, stage


def test_plan_html_is_one_self_contained_page_that_chromium_renders(
    run_cli: Any, tmp_path: Path
) -> None:
    plan = plan_of(run_cli, SAMPLE)
    code, html, err = run_cli("plan", str(SAMPLE), *OPTIONS, "-o", "html")
    assert code == 0, err
    assert_self_contained(html)
    page = tmp_path / "plan.html"
    page.write_text(html)
    dom = Dom(browse(page, ARTEFACTS / "plan-html-sample.png", tmp_path))
    assert dom.tags["svg"] >= 1
    assert_shows_the_plan(dom, plan)


def test_a_big_plan_page_loads_and_draws_every_workload(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    generate(repo, files=600, changed=150, identities=150)
    plan = plan_of(run_cli, repo)
    code, html, err = run_cli("plan", str(repo), *OPTIONS, "-o", "html")
    assert code == 0, err
    assert_self_contained(html)
    assert len(html) < 5_000_000
    page = tmp_path / "plan.html"
    page.write_text(html)
    assert_shows_the_plan(Dom(browse(page, ARTEFACTS / "plan-html-big.png", tmp_path)), plan)


HOSTILE = """\
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentity
metadata:
  name: id-x
  namespace: shop
spec:
  type: 0
  resourceID: /subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-x
  clientID: 11111111-2222-3333-4444-555555555555
---
apiVersion: aadpodidentity.k8s.io/v1
kind: AzureIdentityBinding
metadata:
  name: b"><script>document.title='pwned'</script>
  namespace: shop
spec:
  azureIdentity: id-x
  selector: sel
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api<img src=x onerror="document.title='pwned'">
  namespace: shop
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api, aadpodidbinding: sel}
    spec:
      containers: [{name: a, image: a}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: "</text></svg><b id=injected>bold</b>"
  namespace: shop
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata:
      labels: {app: b, aadpodidbinding: sel}
    spec:
      containers: [{name: a, image: a}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: c
  namespace: shop
spec:
  selector: {matchLabels: {app: c}}
  template:
    metadata:
      labels: {app: c, aadpodidbinding: "<i id=label>"}
    spec:
      containers: [{name: a, image: a}]
"""


def test_names_from_untrusted_files_are_text_not_markup(run_cli: Any, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.yaml").write_text(HOSTILE)
    code, html, err = run_cli("plan", str(repo), *OPTIONS, "-o", "html")
    assert code == 1, err  # the names are invalid: error findings, and the page still shows them
    page = tmp_path / "plan.html"
    page.write_text(html)
    dom = Dom(browse(page, ARTEFACTS / "plan-html-hostile.png", tmp_path, height=1200))
    assert dom.tags["script"] == 0 and dom.tags["img"] == 0 and dom.tags["b"] == 0
    assert dom.tags["i"] == 0
    assert "injected" not in dom.ids and "label" not in dom.ids
    text = "".join(dom.text)
    assert "pwned" not in dom.title  # no injected script ran
    assert "<script>document.title=" in text  # shown, as text
    assert 'api<img src=x onerror="document.title=' in text
    assert "</text></svg><b id=injected>bold</b>" in text
    assert "<i id=label>" in text  # in a finding


def test_render_target_html_writes_a_page_per_stage(run_cli: Any, tmp_path: Path) -> None:
    plan = plan_of(run_cli, SAMPLE)
    out = tmp_path / "out"
    code, _, err = run_cli(
        "render", str(SAMPLE), *OPTIONS, "--target", "html", "--output-dir", str(out)
    )
    assert code == 0, err
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert pages == [f"html/{s}/plan.html" for s in ("prepare", "retire", "switch", "uninstall")]
    html = (out / "html/switch/plan.html").read_text()
    assert_self_contained(html)
    dom = Dom(browse(out / "html/switch/plan.html", ARTEFACTS / "render-html-switch.png", tmp_path))
    graph = " ".join(dom.svg_text)
    for action in plan["actions"]:
        if action["type"] == "switch-workload":
            assert action["target"]["name"] in graph
