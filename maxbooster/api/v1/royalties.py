"""/api/v1/royalties: the split of a release track (read, replace), invitations answered by the emailed
one-time link (no sign-in needed), statement upload (multipart, streamed) and reports, earnings
(balances) and a collaborator's statement as CSV."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from maxbooster import routes
from maxbooster.api.deps import CallerActor, DbSession, request_actor
from maxbooster.api.streams import blocking
from maxbooster.api.uploads import read_file_part
from maxbooster.db import session_scope
from maxbooster.models.royalties import SplitShare, Statement
from maxbooster.services.actor import Actor
from maxbooster.services.royalties import ledger, splits, statements
from maxbooster.services.royalties.layouts import LAYOUTS
from maxbooster.services.storage.names import content_disposition

router = APIRouter(tags=["royalties"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"}, 404: {"description": "No such release, track or statement of yours"},
    422: {"description": "Invalid input (the message says what to change)"},
}


class ShareIn(BaseModel):
    email: str = Field(max_length=320)
    share_bps: int = Field(description="Basis points: 10000 = 100 %, 3000 = 30 %")


class SplitIn(BaseModel):
    shares: list[ShareIn] = Field(max_length=splits.MAX_SHARES, description="Must add up to exactly 10000")
    recoup_amount_minor: int = Field(default=0, description="Paid to `recoup_email` before the percentages")
    recoup_currency: str = Field(default="", max_length=3)
    recoup_email: str = Field(default="", max_length=320)


class ShareOut(BaseModel):
    email: str
    share_bps: int
    percent: str
    status: str = Field(description="pending, accepted or declined; only accepted shares are paid to their holder")
    is_owner: bool


class SplitOut(BaseModel):
    release_track_id: uuid.UUID
    shares: list[ShareOut] = Field(description="Empty: no split, the owner receives everything")
    recoup_amount_minor: int
    recoup_currency: str
    recoup_email: str


class InviteOut(BaseModel):
    email: str
    share_bps: int
    percent: str
    track_title: str
    owner_name: str
    status: str


class StatementOut(BaseModel):
    id: uuid.UUID
    filename: str
    layout: str
    layout_name: str
    lines_total: int
    lines_imported: int
    lines_unmatched: int
    lines_malformed: int
    problems: list[dict[str, Any]] = Field(description="Malformed lines: [{line, reason}] (the first 1000)")
    unmatched_isrcs: list[str] = Field(description="ISRCs that matched none of your tracks")
    already_imported: bool = Field(default=False, description="The same file was imported before; nothing changed")
    created_at: datetime


class StatementListOut(BaseModel):
    items: list[StatementOut]


class BalanceOut(BaseModel):
    owner_id: uuid.UUID
    party_email: str
    currency: str
    amount_minor: int
    amount: str = Field(description="For people: 'USD 12.34'")


class EarningsOut(BaseModel):
    mine: list[BalanceOut] = Field(description="What you have earned, per catalogue owner and currency")
    catalogue: list[BalanceOut] = Field(description="Every collaborator's balance of your catalogue")


def _split_out(track_id: uuid.UUID, view: splits.SplitView) -> SplitOut:
    s = view.split
    return SplitOut(release_track_id=track_id, shares=[_share(x) for x in view.shares],
                    recoup_amount_minor=s.recoup_amount_minor if s else 0,
                    recoup_currency=s.recoup_currency if s else "",
                    recoup_email=s.recoup_email if s else "")


def _share(x: SplitShare) -> ShareOut:
    return ShareOut(email=x.email, share_bps=x.share_bps, percent=splits.percent(x.share_bps), status=x.status,
                    is_owner=x.is_owner)


def _statement(st: Statement, unmatched: list[str], already: bool = False) -> StatementOut:
    layout = LAYOUTS.get(st.layout)
    return StatementOut(id=st.id, filename=st.filename, layout=st.layout, layout_name=layout.name if layout else "",
                        lines_total=st.lines_total, lines_imported=st.lines_imported,
                        lines_unmatched=st.lines_unmatched, lines_malformed=st.lines_malformed, problems=st.problems,
                        unmatched_isrcs=unmatched, already_imported=already, created_at=st.created_at)


def _balance(b: ledger.Balance) -> BalanceOut:
    return BalanceOut(owner_id=b.owner_id, party_email=b.party_email, currency=b.currency,
                      amount_minor=b.amount_minor, amount=b.money.format())


@router.get(routes.V1_RELEASE_TRACK_SPLIT, response_model=SplitOut, responses=ERRORS)
def get_split(release_id: uuid.UUID, track_id: uuid.UUID, actor: CallerActor, db: DbSession) -> SplitOut:
    """The track's split with each collaborator's answer."""
    return _split_out(track_id, splits.get_split(session=db, actor=actor, release_id=release_id, track_id=track_id))


@router.put(routes.V1_RELEASE_TRACK_SPLIT, response_model=SplitOut, responses=ERRORS)
def put_split(release_id: uuid.UUID, track_id: uuid.UUID, body: SplitIn, actor: CallerActor,
              db: DbSession) -> SplitOut:
    """Replace the split (shares must add up to exactly 100 %); new collaborators are invited by email."""
    data = splits.SplitIn([splits.ShareIn(s.email, s.share_bps) for s in body.shares],
                          recoup_amount_minor=body.recoup_amount_minor, recoup_currency=body.recoup_currency.upper(),
                          recoup_email=body.recoup_email)
    return _split_out(track_id, splits.set_split(session=db, actor=actor, release_id=release_id, track_id=track_id,
                                                 data=data))


@router.get(routes.V1_ROYALTY_INVITE, response_model=InviteOut, responses={422: ERRORS[422]})
def get_invite(token: str, db: DbSession) -> InviteOut:
    """What an invitation offers (no sign-in: the token is the proof)."""
    view = splits.invitation(session=db, token=token)
    return InviteOut(email=view.share.email, share_bps=view.share.share_bps, percent=splits.percent(
        view.share.share_bps), track_title=view.track_title, owner_name=view.owner_name, status=view.share.status)


def _answer(token: str, answer: str, request: Request, db: Session) -> InviteOut:
    share = splits.answer_invitation(session=db, actor=request_actor(request, via="api"), token=token,
                                     accept=answer == "accept")
    return InviteOut(email=share.email, share_bps=share.share_bps, percent=splits.percent(share.share_bps),
                     track_title="", owner_name="", status=share.status)


@router.get(routes.V1_ROYALTY_INVITE_ANSWER, response_model=InviteOut, responses={422: ERRORS[422]})
def answer_invite_link(token: str, answer: Literal["accept", "decline"], request: Request,
                       db: DbSession) -> InviteOut:
    """The emailed accept/decline links (a GET, like the email verification link). Works once."""
    return _answer(token, answer, request, db)


@router.post(routes.V1_ROYALTY_INVITE_ANSWER, response_model=InviteOut, responses={422: ERRORS[422]})
def answer_invite(token: str, answer: Literal["accept", "decline"], request: Request, db: DbSession) -> InviteOut:
    """Accept or decline an invitation by its token (no sign-in: the token is the proof). Works once."""
    return _answer(token, answer, request, db)


@router.post(routes.V1_ROYALTY_STATEMENTS, response_model=StatementOut, status_code=201,
             responses={**ERRORS, 200: {"description": "The same file was imported before; nothing changed"},
                        400: {"description": "Not a multipart upload with a `file` field"}})
async def upload_statement(request: Request, actor: CallerActor, layout: str | None = None) -> Response:
    """Import a distributor statement (multipart/form-data, field `file`): the generic CSV or a known
    layout (detected from the header, or `?layout=`). Malformed lines and unknown ISRCs are listed."""
    filename, chunks = await read_file_part(request)

    def run(who: Actor) -> tuple[StatementOut, bool]:
        with session_scope() as db:
            result = statements.import_statement(session=db, actor=who, chunks=blocking(chunks), filename=filename,
                                                 layout=layout)
            return _statement(result.statement, result.unmatched_isrcs, result.already_imported), \
                result.already_imported

    body, already = await run_in_threadpool(run, actor)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if already else 201)


@router.get(routes.V1_ROYALTY_STATEMENTS, response_model=StatementListOut, responses=ERRORS)
def list_statements(actor: CallerActor, db: DbSession) -> StatementListOut:
    """Your imported statements, newest first."""
    return StatementListOut(items=[_statement(s, []) for s in statements.list_statements(session=db, actor=actor)])


@router.get(routes.V1_ROYALTY_STATEMENT, response_model=StatementOut, responses=ERRORS)
def get_statement(statement_id: uuid.UUID, actor: CallerActor, db: DbSession) -> StatementOut:
    """One statement's report: counts, malformed lines and unmatched ISRCs."""
    st = statements.get_statement(session=db, actor=actor, statement_id=statement_id)
    return _statement(st, statements.unmatched_isrcs(session=db, statement_id=st.id))


@router.get(routes.V1_ROYALTY_EARNINGS, response_model=EarningsOut, responses=ERRORS)
def earnings(actor: CallerActor, db: DbSession) -> EarningsOut:
    """Balances: yours (as owner and as collaborator) and those of your catalogue's collaborators."""
    return EarningsOut(mine=[_balance(b) for b in ledger.my_balances(session=db, actor=actor)],
                       catalogue=[_balance(b) for b in ledger.catalogue_balances(session=db, actor=actor)])


@router.get(routes.V1_ROYALTY_EARNINGS_CSV, responses={**ERRORS, 200: {"content": {"text/csv": {}}}})
def earnings_csv(actor: CallerActor, db: DbSession, party: str | None = None) -> Response:
    """Your ledger as CSV, or (`?party=email`) that of a collaborator of your catalogue."""
    text = ledger.statement_csv(session=db, actor=actor, party_email=party)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition("attachment", "royalty-statement.csv")})
