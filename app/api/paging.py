"""`?page=&per_page=` → `{"items": [...], "total": N}` for any select."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db


def paginate(query, page: int, per_page: int) -> dict:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total}
