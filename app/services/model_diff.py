"""What changed between two versions of a diagram, element by element: added, removed, and
changed (name, type, lane, condition, script, timer, form, properties)."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.engine.parsing import BPMN_NS, NSMAP, read_xml

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Elements that are not steps of their own: they are compared as part of their owner.
PARTS = {"incoming", "outgoing", "documentation", "extensionElements", "conditionExpression",
         "script", "timerEventDefinition", "timeDate", "timeDuration", "timeCycle",
         "flowNodeRef", "childLaneSet", "laneSet", "text"}


@dataclass
class ElementChange:
    element_id: str
    kind: str  # "added", "removed" or "changed"
    label: str
    details: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return etree.QName(tag).localname


def _text(el: etree._Element, path: str) -> str:
    found = el.xpath(path, namespaces={**NSMAP, "spiffworkflow": SPIFF_NS})
    return " ".join(" ".join(str(f).split()) for f in found)


def _describe(el: etree._Element, lanes: dict[str, str]) -> dict[str, str]:
    """The parts of an element a reader would call its meaning, as words."""
    facts = {"type": _local(el.tag), "name": el.get("name") or ""}
    if el.get("sourceRef"):
        facts["from"] = el.get("sourceRef")
        facts["to"] = el.get("targetRef") or ""
    if el.get("default"):
        facts["default flow"] = el.get("default")
    facts["lane"] = lanes.get(el.get("id"), "")
    facts["condition"] = _text(el, "bpmn:conditionExpression/text()")
    facts["script"] = _text(el, "bpmn:script/text()")
    facts["timer"] = _text(el, ".//bpmn:timerEventDefinition/*/text()")
    facts["documentation"] = _text(el, "bpmn:documentation/text()")
    for ext in el.xpath("bpmn:extensionElements//*", namespaces=NSMAP):
        name = _local(ext.tag)
        if name == "property":
            facts[f"property {ext.get('name')}"] = ext.get("value") or ""
        elif len(ext) == 0:
            facts[name] = " ".join((ext.text or "").split())
    return {k: v for k, v in facts.items() if v}


def _elements(xml: str) -> dict[str, dict[str, str]]:
    root = read_xml(xml)
    lanes = {}
    for lane in root.xpath("//bpmn:lane", namespaces=NSMAP):
        for ref in lane.xpath("bpmn:flowNodeRef/text()", namespaces=NSMAP):
            lanes[ref.strip()] = lane.get("name") or lane.get("id")
    found = {}
    for process in root.xpath("//bpmn:process", namespaces=NSMAP):
        for el in process.iter(f"{{{BPMN_NS}}}*"):
            if el is process or _local(el.tag) in PARTS or not el.get("id"):
                continue
            found[el.get("id")] = _describe(el, lanes)
    return found


def _label(facts: dict[str, str], element_id: str) -> str:
    kind = "".join(" " + c.lower() if c.isupper() else c for c in facts["type"]).strip()
    return f"{kind} “{facts['name']}”" if facts.get("name") else f"{kind} {element_id}"


def diff(old_xml: str, new_xml: str) -> list[ElementChange]:
    old, new = _elements(old_xml), _elements(new_xml)
    changes = []
    for element_id in sorted(new.keys() - old.keys()):
        changes.append(ElementChange(element_id, "added", _label(new[element_id], element_id)))
    for element_id in sorted(old.keys() - new.keys()):
        changes.append(ElementChange(element_id, "removed", _label(old[element_id], element_id)))
    for element_id in sorted(old.keys() & new.keys()):
        before, after = old[element_id], new[element_id]
        if before == after:
            continue
        details = []
        for key in sorted(before.keys() | after.keys()):
            if before.get(key) != after.get(key):
                details.append(f"{key}: “{before.get(key, '')}” → “{after.get(key, '')}”")
        changes.append(ElementChange(element_id, "changed", _label(after, element_id), details))
    return changes
