"""Royalty pages: earnings and payouts, splits per release track, statement imports, the emailed
invitation and a collaborator's printable statement."""

from maxbooster.pages.royalties import earnings, invite, printable, splits, statements

__all__ = ["earnings", "invite", "printable", "splits", "statements"]
