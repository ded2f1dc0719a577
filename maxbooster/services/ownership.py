"""Load an object on behalf of a user without revealing whether someone else's object exists."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlmodel import Session

from maxbooster.services import audit
from maxbooster.services.errors import NotFound

M = TypeVar("M")


def get_owned(session: Session, model: type[M], obj_id: Any, user: Any, *,
              owner_field: str = "owner_id", ip: str = "", user_agent: str = "") -> M:
    """The `model` row with `obj_id` owned by `user` (a User or SessionInfo).

    Missing and owned-by-someone-else raise the same NotFound message; the second case is
    also audited as an authorization denial.
    """
    user_id: uuid.UUID = getattr(user, "user_id", None) or user.id
    obj = session.get(model, obj_id)
    not_found = NotFound(f"{getattr(model, '__name__', 'Object')} not found.")
    if obj is None:
        raise not_found
    if getattr(obj, owner_field) != user_id:
        audit.append_detached(session.get_bind(), action="authz.denied", actor_id=user_id,
                              target=f"{getattr(model, '__tablename__', model.__name__)}:{obj_id}",
                              ip=ip, user_agent=user_agent)
        raise not_found
    return obj
