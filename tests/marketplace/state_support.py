"""Drive a page's State handlers as the browser would: a state built by Reflex's own constructor, a real
signed-in session in the request's cookie header, the page's URL; the reply's toast read back as text."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from reflex.constants import RouteVar
from reflex.istate.data import RouterData
from sqlmodel import Session

from maxbooster.models.accounts import User
from maxbooster.services.accounts.sessions import create_session
from maxbooster.settings import get_settings
from tests.support.accounts import actor_for


def page_state(cls: type, session: Session, user: User, path: str) -> Any:
    """`cls` as the signed-in `user` sees it on `path` ("/sell/listing?id=…")."""
    raw = create_session(session=session, actor=actor_for(user), user_id=user.id)
    session.commit()
    state = cls(_reflex_internal_init=True)
    state.router = RouterData.from_router_data({
        RouteVar.HEADERS: {"cookie": f"{get_settings().session_cookie_name}={raw}", "origin": "http://localhost"},
        RouteVar.ORIGIN: path})
    return state


def run(state: Any, handler: str, *args: Any) -> list[Any]:
    """Run one event handler to the end; every reply it gave (returned or yielded), flattened."""
    fn = type(state).event_handlers[handler].fn

    async def drive() -> list[Any]:
        out = fn(state, *args)
        if inspect.isasyncgen(out):
            return [r async for r in out]
        if inspect.isawaitable(out):
            out = await out
        return list(out) if isinstance(out, list | tuple) else [out]

    return [r for r in asyncio.run(drive()) if r is not None]


def said(replies: list[Any]) -> str:
    """What the replies put on screen (toasts' texts), joined."""
    return " ".join(str(value) for r in replies for _, value in getattr(r, "args", ()))
