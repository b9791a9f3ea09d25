"""A document kept with a case, as its file (letters are PDF)."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app import audit
from app.api import schemas
from app.api.blueprint import ApiBlueprint
from app.security import signed_in_user
from app.services import letters

blp = ApiBlueprint("documents", __name__, url_prefix="/api/v1/documents",
                   description="Documents kept with cases")


@blp.route("/<string:document_id>")
class DocumentFile(MethodView):
    @blp.response(200, description="The document's file", content_type="application/pdf")
    @blp.doc(responses={"200": {"description": "The document's file",
                                "content": {"application/pdf": {"schema": {
                                    "type": "string", "format": "binary"}}}}})
    @blp.alt_response(401, schema=schemas.ErrorSchema)
    @blp.alt_response(404, schema=schemas.ErrorSchema)
    def get(self, document_id):
        """Download a document, if you may see its case."""
        document, instance = letters.visible_document(signed_in_user(), document_id)
        audit.note("instance", instance.id, instance.child_ref)
        return Response(document.content, mimetype=document.media_type, headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"'})
