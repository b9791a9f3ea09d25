"""`flask export-models`: the newest deployed diagrams and browser-edited forms written back
to processes/ and forms/, so a council can keep what its process owners changed in git."""
from __future__ import annotations

from pathlib import Path

from lxml import etree

from app.engine.parsing import NSMAP
from app.extensions import db
from app.models import FormVersion
from app.services import deployment, form_store


def _diagram_files(processes_dir: Path) -> dict[str, Path]:
    """Process id → the .bpmn file that holds it as its executable process."""
    found: dict[str, Path] = {}
    for path in sorted(processes_dir.rglob("*.bpmn")):
        try:
            root = etree.parse(str(path)).getroot()
        except etree.XMLSyntaxError:
            continue
        for process in root.xpath("//bpmn:process[@isExecutable='true']", namespaces=NSMAP):
            found.setdefault(process.get("id"), path)
    return found


def _write(target: Path, text: str) -> bool:
    if target.is_file() and target.read_text() == text:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return True


def export_models(processes_dir: Path, forms_dir: Path) -> list[tuple[str, bool]]:
    """Write each newest version that differs from its file; (file written to, changed)."""
    results = []
    files = _diagram_files(processes_dir)
    for version in deployment.all_latest():
        target = files.get(version.key) or processes_dir / version.key / f"{version.key}.bpmn"
        results.append((str(target), _write(target, version.bpmn_xml)))
    edited = db.session.scalars(db.select(FormVersion.path).distinct().order_by(
        FormVersion.path))
    for path in edited:
        saved = form_store.latest(path)
        target = forms_dir / path
        results.append((str(target), _write(target, saved.content)))
    return results
