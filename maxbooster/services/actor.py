"""Who is acting: built once at the edge (Reflex handler, HTTP route, task, CLI) and passed as `actor=`.

An anonymous actor (no user id) is a visitor signing up or logging in; `Actor.system()` is the
platform itself (CLI, workers). The role comes from the stored user at the moment the session
was validated, never from the client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from maxbooster.models.accounts import Role


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None = None
    role: Role = Role.USER
    ip: str = ""
    user_agent: str = ""
    via: str = "web"  # web | api | cli | worker | system

    @classmethod
    def anonymous(cls, *, ip: str = "", user_agent: str = "", via: str = "web") -> Actor:
        return cls(ip=ip[:64], user_agent=user_agent[:300], via=via)

    @classmethod
    def system(cls, via: str = "system") -> Actor:
        return cls(user_agent=via, via=via)

    def as_user(self, user_id: uuid.UUID, role: str = Role.USER) -> Actor:
        """The same caller (ip, user agent) once it is known to be this user."""
        return replace(self, user_id=user_id, role=Role(role))

    @property
    def is_admin(self) -> bool:
        return self.user_id is not None and self.role == Role.ADMIN

    def require_user(self) -> uuid.UUID:
        """The acting user's id; LoginRequired for anonymous actors."""
        if self.user_id is None:
            from maxbooster.services.errors import LoginRequired

            raise LoginRequired()
        return self.user_id
