"""Social pages: connected accounts (connect, disconnect, queues), the composer with live checks, the
calendar (month / week / list, drag to reschedule, a post's states, approvals) and the public review page.
Times are shown in the browser's time zone, read once per page load.

One module per page; the states, rows and codes the pages use are re-exported here."""

from maxbooster.models.social import HoldState, ReviewDecision, VariantState
from maxbooster.services.social.composer import CheckRow
from maxbooster.services.social.views import AccountRow, DayCell, PostRow, VariantRow
from maxbooster.state.social.accounts import SocialAccountsState
from maxbooster.state.social.calendar import CALENDAR_VIEWS, CalendarState
from maxbooster.state.social.common import NETWORKS, TZ_SCRIPT
from maxbooster.state.social.composer import NO_LINK, ComposerState
from maxbooster.state.social.review import ReviewState

__all__ = ["CALENDAR_VIEWS", "NETWORKS", "NO_LINK", "TZ_SCRIPT", "AccountRow", "CalendarState", "CheckRow",
           "ComposerState", "DayCell", "HoldState", "PostRow", "ReviewDecision", "ReviewState",
           "SocialAccountsState", "VariantRow", "VariantState"]
