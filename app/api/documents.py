"""A document kept with a case, as its file: letters (PDF) and uploaded papers."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.security import signed_in_user
from app.services import documents

blp = ApiBlueprint("documents", __name__, url_prefix="/api/v1/documents",
                   description="Documents kept with cases")

_BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_TYPES = ("application/pdf", "image/png", "image/jpeg",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@blp.route("/<string:document_id>")
class DocumentFile(MethodView):
    @blp.response(200, description="The document's file", content_type="application/pdf")
    @blp.doc(responses={"200": {"description": "The document's file",
                                "content": {kind: _BINARY for kind in FILE_TYPES}}})
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(404, schema=schemas.ErrorSchema)
    def get(self, document_id):
        """Download a document, if you may see its case (each download is audited)."""
        document, content = documents.download(signed_in_user(), document_id)
        return Response(content, mimetype=document.media_type,
                        headers={"Content-Disposition": documents.disposition(document)})
