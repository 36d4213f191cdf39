"""The wheel holds every package and the templates: plan and render from an installed wheel, with
no path back to the checkout (no editable-install finder: `-S`, only the wheel and the deps)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import sys
from pathlib import Path
import migrate, migrate.write.jinja
import migrate.cli  # every command module, as the console script loads them
from migrate.write import render as targets
from migrate.jobs.plan import plan_manifests
from migrate.model.plan import Settings

assert Path(migrate.__file__).is_relative_to(Path(sys.argv[1])), migrate.__file__
assert migrate.write.jinja.shipped_templates().is_relative_to(Path(sys.argv[1]))
from migrate.model import schema
assert '"MigrationPlan"' in schema.text()  # the published plan format, read from the wheel
plan = plan_manifests([sys.argv[2]], Settings(issuer="https://issuer.example/", cluster_name="c"))
files = targets.render(plan, list(targets.TARGETS), "all", targets.environment())
outside = [n for n, m in sys.modules.items() if n.startswith("migrate") and
           not Path(m.__file__).is_relative_to(Path(sys.argv[1]))]
assert not outside, outside
print(len(files), sorted({f.path.split("/")[0] for f in files}))
"""


def run(*args: str, **kwargs) -> str:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
    return done.stdout


def test_an_installed_wheel_renders_every_target_from_its_own_templates(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building leaves build/ and *.egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    for name in ("migrate", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        str(source),
        "--no-deps",
        "-q",
        "-w",
        str(tmp_path / "dist"),
    )
    wheel = next((tmp_path / "dist").glob("wi_migrate-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in (
        "kubernetes/apply.sh.j2",
        "az/federated-credentials.sh.j2",
        "terraform/main.tf.j2",
        "bicep/main.bicep.j2",
        "aso/kustomization.yaml.j2",
        "markdown/report.md.j2",
        "html/plan.html.j2",
    ):
        assert f"migrate/templates/{template}" in names
    assert "migrate/model/plan.schema.json" in names  # the published plan format
    site = tmp_path / "site"
    run(
        sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)
    )
    deps = sysconfig.get_paths()["purelib"]  # on sys.path by hand: -S runs no .pth finder
    program = f"import sys; sys.path[:0] = [{str(site)!r}, {deps!r}]; exec({SCRIPT!r})"
    sample = str(ROOT / "fixtures" / "sample-gitops")
    out = run(sys.executable, "-I", "-S", "-c", program, str(site), sample, cwd=tmp_path)
    count, kinds = out.split(" ", 1)
    assert int(count) == 73
    assert kinds.strip() == "['aso', 'az', 'bicep', 'html', 'kubernetes', 'markdown', 'terraform']"
