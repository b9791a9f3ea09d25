"""Diagrams that try the XML parser or a race are refused with a 4xx, never a 500 (issue 15,
Low): a DOCTYPE (entity references in a script), XInclude, and two deploys at once."""
from __future__ import annotations

import pytest

from app.services import deployment
from tests.diagrams import two_step

ENTITY = (two_step(script="a = 1")
          .replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                   '<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<!DOCTYPE bpmn:definitions [<!ENTITY e "b = 2">]>\n')
          .replace("a = 1", "&e;"))
EMPTY_DOCTYPE = two_step().replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                                   '<?xml version="1.0" encoding="UTF-8"?>\n'
                                   "<!DOCTYPE bpmn:definitions>\n")
XINCLUDE = two_step(script="a = 1").replace(
    "<bpmn:script>a = 1</bpmn:script>",
    '<bpmn:script><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
    'href="file:///etc/hostname" parse="text"/></bpmn:script>')


@pytest.mark.parametrize("xml", [ENTITY, EMPTY_DOCTYPE], ids=["entity", "empty"])
def test_a_diagram_with_a_doctype_is_refused(as_user, xml):
    owner = as_user("process_owner")
    deployed = owner.post_raw("/api/v1/process-models/two_step/versions", xml)
    assert deployed.status_code == 422, deployed.status_code
    assert "DOCTYPE" in deployed.json["errors"][0]["message"]
    checked = owner.post_raw("/api/v1/process-models/validate", xml)
    assert checked.status_code == 200 and checked.json["valid"] is False


def test_an_xinclude_diagram_is_refused_at_validation(as_user):
    owner = as_user("process_owner")
    checked = owner.post_raw("/api/v1/process-models/validate", XINCLUDE).json
    assert checked["valid"] is False
    assert checked["errors"][0]["message"].startswith("XInclude is not supported")
    assert checked["errors"][0]["element_id"] == "s"
    deployed = owner.post_raw("/api/v1/process-models/two_step/versions", XINCLUDE)
    assert deployed.status_code == 422


def test_two_deploys_at_once_give_one_version_and_a_409(as_user, monkeypatch):
    owner = as_user("process_owner")
    assert owner.post_raw("/api/v1/process-models/two_step/versions",
                          two_step()).status_code == 201
    # The second deploy read the latest version before the first one committed.
    monkeypatch.setattr(deployment, "latest_version", lambda key: None)
    late = owner.post_raw("/api/v1/process-models/two_step/versions",
                          two_step().replace("Second step", "Second step, renamed"))
    assert late.status_code == 409, late.status_code
    assert late.json["code"] == 409
    monkeypatch.undo()
    versions = owner.get("/api/v1/process-models/two_step").json["versions"]
    assert [v["version"] for v in versions] == [1]
