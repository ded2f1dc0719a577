"""Access checks every feature uses: one `get_owned` for rows with an owner, one `require_admin`.

Missing and owned-by-someone-else read the same (NotFound with one message), so ids cannot be
probed; the second case and every admin denial are audited.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session

from maxbooster.services import audit
from maxbooster.services.actor import Actor
from maxbooster.services.errors import NotFound, PermissionDenied

M = TypeVar("M")


def get_owned(*, session: Session, model: type[M], obj_id: Any, actor: Actor, owner_field: str = "owner_id") -> M:
    """The `model` row with `obj_id` owned by the acting user, else NotFound."""
    user_id = actor.require_user()
    obj = session.get(model, obj_id, populate_existing=True) if obj_id is not None else None
    if obj is None:
        raise NotFound()
    if getattr(obj, owner_field) != user_id:
        table = getattr(model, "__tablename__", getattr(model, "__name__", "object"))
        audit.record_detached(session=session, actor=actor, action="authz.denied", target=f"{table}:{obj_id}")
        raise NotFound()
    return obj


def require_admin(*, session: Session | None, actor: Actor, action: str = "admin") -> None:
    """PermissionDenied unless the actor is an admin; denials are audited when a session is given."""
    if actor.is_admin:
        return
    if session is not None:
        audit.record_detached(session=session, actor=actor, action="authz.denied", target=action)
    raise PermissionDenied("Administrators only.")
