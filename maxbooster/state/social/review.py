"""The public review page: anyone holding the link approves or sends back a post, no account needed."""

from __future__ import annotations

from typing import Any

import reflex as rx

from maxbooster.models.social import ReviewDecision
from maxbooster.services.errors import DomainError
from maxbooster.services.social import approvals, views
from maxbooster.state.base import AuthState
from maxbooster.state.social.common import _query


class ReviewState(AuthState):
    """The external review page: anyone holding the link, no account."""

    loaded: bool = False
    error: str = ""
    done: str = ""
    when: str = ""
    expires: str = ""
    variants: list[dict[str, str]] = []
    busy: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        try:
            view = await self._call(approvals.review_by_link, actor=self._request_actor(), token=_query(self, "token"))
        except DomainError as exc:
            self._set(loaded=True, error=exc.message, variants=[])
            return
        self._set(loaded=True, error="", done="", when=f"{view.scheduled_at:%a %-d %b %Y, %H:%M} UTC",
                  expires=f"{view.expires_at:%-d %b %Y, %H:%M} UTC",
                  variants=[{"network": n, "icon": views.ICONS.get(n, "globe"), "handle": h, "text": t}
                            for n, h, t in view.variants])

    @rx.event
    async def answer(self, form: dict[str, Any]):  # type: ignore[no-untyped-def]
        self._set(busy=True)
        yield
        decision = str(form.get("decision", ""))[:40]
        try:
            await self._call(approvals.answer_review, actor=self._request_actor(), token=_query(self, "token"),
                             decision=decision, reviewer=str(form.get("reviewer", ""))[:200],
                             comment=str(form.get("comment", ""))[:2000])
            self._set(done="Approved: it goes out at its time. Thank you." if decision == ReviewDecision.APPROVE
                      else "Sent back to the artist with your comment. Thank you.", error="")
        except DomainError as exc:
            self._set(error=exc.message)
        finally:
            self._set(busy=False)
