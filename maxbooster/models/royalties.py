"""Royalties: who shares in each release track (splits, in basis points, with an optional recoupment),
the distributor statements imported (each file once, each line once) and one ledger of money per
collaborator from which balances and per-collaborator statements are derived."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from maxbooster.models.base import created_at_field, one_of, ts_field, uuid_pk


class InviteStatus(StrEnum):
    """A collaborator's answer to their invitation; until `accepted`, the share stays with the owner."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class LedgerKind(StrEnum):
    INCOME = "income"  # a statement's positive amounts, split by accepted shares
    RECOUPMENT = "recoupment"  # paid to the recoupment party before percentages apply
    ADJUSTMENT = "adjustment"  # a statement's negative amounts (returns, corrections), split the same way
    PAYOUT = "payout"  # money paid out to the collaborator (negative)


class RoyaltySplit(SQLModel, table=True):
    """The split of one release track: its shares add up to exactly 10,000 basis points. A recoupment
    (`recoup_amount_minor` in `recoup_currency`) is paid to `recoup_email` before the percentages."""

    __tablename__ = "royalty_splits"
    __table_args__ = (
        UniqueConstraint("release_track_id", name="uq_royalty_splits_track"),
        CheckConstraint("recoup_amount_minor >= 0", name="ck_royalty_splits_recoup"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    release_track_id: uuid.UUID = Field(foreign_key="release_tracks.id", ondelete="CASCADE")
    recoup_amount_minor: int = Field(default=0, sa_type=BigInteger)
    recoup_currency: str = Field(default="", max_length=3)
    recoup_email: str = Field(default="", max_length=320)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SplitShare(SQLModel, table=True):
    """One collaborator's share of a split, by email. The owner's own share is `is_owner` and accepted;
    an invitee answers through a one-time link whose sha256 is `token_hash`."""

    __tablename__ = "royalty_split_shares"
    __table_args__ = (
        CheckConstraint(one_of("status", InviteStatus), name="ck_royalty_split_shares_status"),
        CheckConstraint("share_bps > 0 AND share_bps <= 10000", name="ck_royalty_split_shares_bps"),
        UniqueConstraint("split_id", "email", name="uq_royalty_split_shares_email"),
        UniqueConstraint("token_hash", name="uq_royalty_split_shares_token"),
    )

    id: uuid.UUID = uuid_pk()
    split_id: uuid.UUID = Field(foreign_key="royalty_splits.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")
    share_bps: int
    is_owner: bool = Field(default=False)
    status: str = Field(default=InviteStatus.PENDING, max_length=10)
    token_hash: str | None = Field(default=None, max_length=64)
    invited_at: datetime = created_at_field()
    answered_at: datetime | None = ts_field()


class Statement(SQLModel, table=True):
    """One imported distributor statement file; `sha256` of its bytes makes a second import a no-op.
    `problems` lists the malformed lines [{"line", "reason"}] (the first ones, capped)."""

    __tablename__ = "royalty_statements"
    __table_args__ = (UniqueConstraint("owner_id", "sha256", name="uq_royalty_statements_file"),)

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    filename: str = Field(default="", max_length=300)
    layout: str = Field(max_length=30)
    sha256: str = Field(max_length=64)
    lines_total: int = Field(default=0)
    lines_imported: int = Field(default=0)
    lines_unmatched: int = Field(default=0)
    lines_malformed: int = Field(default=0)
    problems: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = created_at_field()


class StatementLine(SQLModel, table=True):
    """A statement line as imported, keyed by its statement and line number (each line once).
    `amount_nanos` is the exact amount in billionths of the currency's major unit (stores report
    fractions of a cent per stream); the ledger rounds once per track and statement.
    `release_track_id` is empty for an ISRC that matched none of the owner's tracks; only those lines
    are indexed (by ISRC), for the list of unmatched ISRCs."""

    __tablename__ = "royalty_statement_lines"
    __table_args__ = (
        Index("ix_royalty_statement_lines_unmatched", "statement_id", "isrc",
              postgresql_where=text("release_track_id IS NULL"), sqlite_where=text("release_track_id IS NULL")),
    )

    statement_id: uuid.UUID = Field(foreign_key="royalty_statements.id", primary_key=True, ondelete="CASCADE")
    line_no: int = Field(primary_key=True)
    isrc: str = Field(max_length=12)
    release_track_id: uuid.UUID | None = Field(default=None, foreign_key="release_tracks.id", ondelete="SET NULL")
    period: str = Field(max_length=7)  # YYYY-MM
    store: str = Field(default="", max_length=100)
    territory: str = Field(default="", max_length=2)
    units: int = Field(default=0, sa_type=BigInteger)
    amount_nanos: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)


class LedgerEntry(SQLModel, table=True):
    """Money for one collaborator (`party_email`) of an owner's catalogue, in minor units; balances and
    statements are sums of these rows. Payouts are negative."""

    __tablename__ = "royalty_ledger"
    __table_args__ = (
        CheckConstraint(one_of("kind", LedgerKind), name="ck_royalty_ledger_kind"),
        Index("ix_royalty_ledger_owner_party", "owner_id", "party_email", "currency"),
        Index("ix_royalty_ledger_party", "party_email"),
    )

    id: uuid.UUID = uuid_pk()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    party_email: str = Field(max_length=320)
    party_user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True, ondelete="SET NULL")
    kind: str = Field(max_length=12)
    amount_minor: int = Field(sa_type=BigInteger)
    currency: str = Field(max_length=3)
    statement_id: uuid.UUID | None = Field(default=None, foreign_key="royalty_statements.id", index=True,
                                           ondelete="CASCADE")
    split_id: uuid.UUID | None = Field(default=None, foreign_key="royalty_splits.id", ondelete="SET NULL")
    release_track_id: uuid.UUID | None = Field(default=None, foreign_key="release_tracks.id", ondelete="SET NULL")
    period: str = Field(default="", max_length=7)
    memo: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()
