"""Every path of the app, in one place: pages, browser form endpoints, REST API, media.

Pages, states, emails and API routers all import these constants; a test checks they are
unique and that every page renders.
"""

from __future__ import annotations

# Pages for visitors
LANDING = "/"
LOGIN = "/login"
SIGNUP = "/signup"
FORGOT = "/forgot"
RESET = "/reset"
VERIFY = "/verify"  # "resend the verification email" form
LINK_GOOGLE = "/link-google"
SMART_LINK = "/r/[slug]"  # a release's public smart link / pre-save page (no sign-in)
# releases pages
RELEASES = "/releases"  # the artist's releases: calendar of upcoming and past ones, "New release"
RELEASE = "/releases/[release_id]"  # one release: editor, check and submit, delivery states, smart link
FAN_UNSUBSCRIBE = "/unsubscribe"  # a fan's emailed unsubscribe link (?token=…; no sign-in)

# Pages for signed-in users
HOME = "/studio"
LIBRARY = "/library"
TRACK = "/library/[track_id]"
PROJECTS = "/projects"  # the Studio: the list of projects
PROJECT = "/projects/[project_id]"  # the Studio's editor of one project
JOBS = "/jobs"
SETTINGS = "/settings"

# Admin pages
ADMIN_USERS = "/admin/users"
ADMIN_OUTBOX = "/admin/outbox"

PUBLIC_PAGES: tuple[str, ...] = (LANDING, LOGIN, SIGNUP, FORGOT, RESET, VERIFY, LINK_GOOGLE, FAN_UNSUBSCRIBE)
USER_PAGES: tuple[str, ...] = (HOME, LIBRARY, PROJECTS, RELEASES, JOBS, SETTINGS)
ADMIN_PAGES: tuple[str, ...] = (ADMIN_USERS, ADMIN_OUTBOX)

# royalties pages
EARNINGS = "/earnings"  # balances per collaborator, payouts, CSV
ROYALTY_SPLITS = "/earnings/splits"  # each release track's split: shares, invitations, recoupment, history
ROYALTY_STATEMENTS = "/earnings/statements"  # distributor statement upload and import reports
ROYALTY_PRINT = "/earnings/print"  # ?party=email: one collaborator's printable statement
ROYALTY_INVITE = "/earnings/invite"  # ?token=…: the emailed invitation (what is offered, accept/decline)
USER_PAGES = (*USER_PAGES, EARNINGS, ROYALTY_SPLITS, ROYALTY_STATEMENTS, ROYALTY_PRINT)
PUBLIC_PAGES = (*PUBLIC_PAGES, ROYALTY_INVITE)

# billing pages: plans and upgrade, invoices, after Checkout (success/cancelled), and the sandbox provider's
# own hosted pages (test mode: its checkout ?session=cs_sbx_… and its billing portal)
ACCOUNT_PLAN = "/account/plan"
ACCOUNT_INVOICES = "/account/invoices"
BILLING_SUCCESS = "/account/plan/success"  # ?session_id=… (Stripe fills in {CHECKOUT_SESSION_ID})
BILLING_CANCELLED = "/account/plan/cancelled"
SANDBOX_CHECKOUT = "/billing/sandbox/checkout"
SANDBOX_PORTAL = "/billing/sandbox/portal"
USER_PAGES = (*USER_PAGES, ACCOUNT_PLAN, ACCOUNT_INVOICES, BILLING_SUCCESS, BILLING_CANCELLED, SANDBOX_CHECKOUT,
              SANDBOX_PORTAL)
# social pages
SOCIAL = "/social"  # the posting calendar (month / week, drag to reschedule) and the list of posts with states
SOCIAL_ACCOUNTS = "/social/accounts"  # connected accounts, connect buttons, queues; OAuth callbacks land here
SOCIAL_NEW = "/social/new"  # the composer
SOCIAL_REVIEW = "/social/review"  # ?token=…: an external reviewer approves a post (no sign-in)
USER_PAGES = (*USER_PAGES, SOCIAL, SOCIAL_ACCOUNTS, SOCIAL_NEW)
PUBLIC_PAGES = (*PUBLIC_PAGES, SOCIAL_REVIEW)
# campaigns pages
CAMPAIGNS = "/campaigns"  # the artist's campaigns with their state and goal
CAMPAIGN_NEW = "/campaigns/new"  # create: goal, variants, networks, dates
CAMPAIGN_REPORT = "/campaigns/report"  # ?id=…: one campaign's slots (variant, explored) and its uplift report
USER_PAGES = (*USER_PAGES, CAMPAIGNS, CAMPAIGN_NEW, CAMPAIGN_REPORT)

# pages of one object; the browser tests visit them with a real id
# Marketplace pages: browse, a listing, a storefront and the license check are public (no sign-in)
MARKET = "/market"  # browse and search published listings
MARKET_LISTING = "/market/listing"  # ?id=…: one listing (tiers, preview, reviews, report)
MARKET_STORE = "/market/store"  # ?seller=…: a seller's published listings
MARKET_VERIFY = "/market/verify"  # ?hash=…: is this license valid, void or unknown
MARKET_CART = "/market/cart"  # the buyer's cart, orders and cap warnings
MARKET_PAY = "/market/pay"  # ?order=…: the sandbox's own payment page (test mode)
MARKET_ORDER = "/market/order"  # ?id=…: an order with licenses and downloads
SELL = "/sell"  # the seller's dashboard: payouts setup, balance, sales, listings
SELL_ONBOARDING = "/sell/onboarding"  # ?account=…: the sandbox's own onboarding page (test mode)
SELL_LISTING = "/sell/listing"  # ?id=…: the listing editor
ADMIN_MODERATION = "/admin/moderation"  # marketplace reports, hide/restore listings, ban sellers
ADMIN_PAYMENT_EVENTS = "/admin/payment-events"  # provider events given up after repeated failures; try again
PUBLIC_PAGES = (*PUBLIC_PAGES, MARKET, MARKET_LISTING, MARKET_STORE, MARKET_VERIFY)
USER_PAGES = (*USER_PAGES, MARKET_CART, MARKET_PAY, MARKET_ORDER, SELL, SELL_ONBOARDING, SELL_LISTING)
ADMIN_PAGES = (*ADMIN_PAGES, ADMIN_MODERATION, ADMIN_PAYMENT_EVENTS)

DYNAMIC_PAGES = (TRACK, PROJECT, SMART_LINK, RELEASE)
PAGES = PUBLIC_PAGES + USER_PAGES + ADMIN_PAGES + DYNAMIC_PAGES

# Browser form endpoints (native POSTs that answer 303 and set the HttpOnly session cookie)
API = "/api"
AUTH = "/api/auth"
AUTH_SIGNUP = f"{AUTH}/signup"
AUTH_LOGIN = f"{AUTH}/login"
AUTH_LOGOUT = f"{AUTH}/logout"
AUTH_RESEND_VERIFICATION = f"{AUTH}/resend-verification"
AUTH_VERIFY_EMAIL = f"{AUTH}/verify-email"
AUTH_FORGOT_PASSWORD = f"{AUTH}/forgot-password"
AUTH_RESET_PASSWORD = f"{AUTH}/reset-password"
AUTH_CHANGE_PASSWORD = f"{AUTH}/change-password"
AUTH_CHANGE_EMAIL = f"{AUTH}/change-email"
AUTH_PROFILE = f"{AUTH}/profile"
AUTH_LOGOUT_OTHERS = f"{AUTH}/logout-others"
AUTH_REVOKE_SESSION = f"{AUTH}/revoke-session"
AUTH_DELETE_ACCOUNT = f"{AUTH}/delete-account"
GOOGLE = f"{AUTH}/google"
GOOGLE_LOGIN = f"{GOOGLE}/login"
GOOGLE_CALLBACK = f"{GOOGLE}/callback"
GOOGLE_LINK = f"{GOOGLE}/link"
# Social networks: the browser starts a connect here (signed in) and the network sends it back to the callback
SOCIAL_API = f"{API}/social"
SOCIAL_CONNECT = f"{SOCIAL_API}/connect/{{network}}"  # ?instance=… for Mastodon
SOCIAL_CONNECT_CALLBACK = f"{SOCIAL_CONNECT}/callback"

# Health, docs and the REST API
HEALTH = "/api/health"
HEALTH_READY = f"{HEALTH}/ready"
OPENAPI = "/api/openapi.json"
API_DOCS = "/api/docs"
API_DOCS_ASSETS = "/api/docs-assets"
V1 = "/api/v1"
V1_TOKEN = f"{V1}/auth/token"
V1_REFRESH = f"{V1}/auth/refresh"
V1_REVOKE = f"{V1}/auth/revoke"
V1_ME = f"{V1}/me"
V1_TRACKS = f"{V1}/tracks"
V1_TRACK = f"{V1_TRACKS}/{{track_id}}"
V1_TRACK_RETRY = f"{V1_TRACK}/retry"
V1_TRACK_MASTERS = f"{V1_TRACK}/masters"
V1_MASTER = f"{V1}/masters/{{master_id}}"
V1_MASTER_DOWNLOAD = f"{V1_MASTER}/download/{{file_format}}"
V1_PROJECTS = f"{V1}/projects"
V1_PROJECT = f"{V1_PROJECTS}/{{project_id}}"
V1_PROJECT_DUPLICATE = f"{V1_PROJECT}/duplicate"
V1_PROJECT_EDITS = f"{V1_PROJECT}/edits"
V1_PROJECT_BOUNCE = f"{V1_PROJECT}/bounce"
V1_PROJECTS_IMPORT = f"{V1_PROJECTS}/import"  # a .dawproject upload becomes a new project
V1_PROJECT_EXPORT = f"{V1_PROJECT}/export"  # starts a .dawproject export job
V1_PROJECT_EXPORT_JOB = f"{V1_PROJECT_EXPORT}/{{job_id}}"  # its progress and download link
V1_PROJECT_EXPORT_DOWNLOAD = f"{V1_PROJECT_EXPORT_JOB}/download"
V1_BOUNCE = f"{V1}/bounces/{{job_id}}"  # a bounce job: its settings, library track and downloads
V1_BOUNCE_DOWNLOAD = f"{V1_BOUNCE}/download/{{file}}"  # file: mix or stems

# Releases (distribution): drafts, their tracks, artwork, codes, pre-flight, submission, takedown
V1_RELEASES = f"{V1}/releases"
V1_RELEASE = f"{V1_RELEASES}/{{release_id}}"
V1_RELEASE_TRACKS = f"{V1_RELEASE}/tracks"
V1_RELEASE_TRACKS_ORDER = f"{V1_RELEASE_TRACKS}/order"
V1_RELEASE_TRACK = f"{V1_RELEASE_TRACKS}/{{track_id}}"
V1_RELEASE_ARTWORK = f"{V1_RELEASE}/artwork"
V1_RELEASE_CODES = f"{V1_RELEASE}/codes"  # allocate ISRCs and a UPC from the owner's prefixes
V1_RELEASE_VALIDATE = f"{V1_RELEASE}/validate"  # the pre-flight findings
V1_RELEASE_SUBMIT = f"{V1_RELEASE}/submit"
V1_RELEASE_TAKEDOWN = f"{V1_RELEASE}/takedown"
V1_CODE_SETTINGS = f"{V1}/code-settings"  # ISRC prefix, GS1 company prefix, DDEX party id

# Royalties: splits per release track, invitations answered by emailed link, statements, earnings
V1_RELEASE_TRACK_SPLIT = f"{V1_RELEASE_TRACK}/split"
V1_ROYALTIES = f"{V1}/royalties"
V1_ROYALTY_INVITE = f"{V1_ROYALTIES}/invites/{{token}}"  # what the invitation offers
V1_ROYALTY_INVITE_ANSWER = f"{V1_ROYALTY_INVITE}/{{answer}}"  # answer: accept or decline (the emailed links)
V1_ROYALTY_STATEMENTS = f"{V1_ROYALTIES}/statements"  # multipart upload of a distributor CSV; the list
V1_ROYALTY_STATEMENT = f"{V1_ROYALTY_STATEMENTS}/{{statement_id}}"  # its report: malformed and unmatched lines
V1_ROYALTY_EARNINGS = f"{V1_ROYALTIES}/earnings"  # balances per collaborator (yours and your catalogue's)
V1_ROYALTY_EARNINGS_CSV = f"{V1_ROYALTY_EARNINGS}/statement.csv"  # one collaborator's ledger as CSV

# Smart links: the public click-through to a platform (counts the click, then redirects), fan sign-up
# and its emailed confirm link (no sign-in), and the owner's link, click counts and confirmed fans as CSV
SMART_LINK_GO = "/l/{slug}/{platform}"
V1_SMART_LINK_FANS = f"{V1}/smart-links/{{slug}}/fans"
V1_SMART_LINK_CONFIRM = f"{V1}/smart-links/confirm/{{token}}"
V1_RELEASE_SMART_LINK = f"{V1_RELEASE}/smart-link"
V1_RELEASE_SMART_LINK_CLICKS = f"{V1_RELEASE_SMART_LINK}/clicks"
V1_RELEASE_SMART_LINK_SOURCES = f"{V1_RELEASE_SMART_LINK}/clicks-by-source"
V1_RELEASE_SMART_LINK_FANS = f"{V1_RELEASE_SMART_LINK}/fans.csv"

# Billing: plans and prices, the signed-in user's billing state and invoices, upgrade through Checkout,
# the billing portal; the sandbox provider's own checkout (no outside account); Stripe's webhooks
V1_BILLING = f"{V1}/billing"
V1_BILLING_PLANS = f"{V1_BILLING}/plans"
V1_BILLING_INVOICES = f"{V1_BILLING}/invoices"
V1_BILLING_CHECKOUT = f"{V1_BILLING}/checkout"
V1_BILLING_PORTAL = f"{V1_BILLING}/portal"
V1_BILLING_SANDBOX_CHECKOUT = f"{V1_BILLING}/sandbox/checkout/{{session_id}}"  # GET: what it is; POST: pay
V1_BILLING_WEBHOOK_STRIPE = f"{V1_BILLING}/webhooks/stripe"

# Social: the Mastodon connect round trip (a native form POST starts it; the instance redirects back)
SOCIAL_MASTODON_CONNECT = f"{SOCIAL_API}/mastodon/connect"  # the accounts page's form (field `instance`)
# Marketplace: browse and search published listings, a listing, a seller's storefront (no sign-in);
# the seller's side: onboarding (Connect), dashboard, their listings with tiers, collaborators, files,
# cover, voice tag, preview, publish; the sandbox provider's own onboarding page
V1_MARKETPLACE = f"{V1}/marketplace"
V1_MARKETPLACE_LISTINGS = f"{V1_MARKETPLACE}/listings"
V1_MARKETPLACE_LISTING = f"{V1_MARKETPLACE_LISTINGS}/{{listing_id}}"
V1_MARKETPLACE_STOREFRONT = f"{V1_MARKETPLACE}/sellers/{{seller_id}}/listings"
V1_MARKETPLACE_SELLER = f"{V1_MARKETPLACE}/seller"
V1_MARKETPLACE_SELLER_ONBOARDING = f"{V1_MARKETPLACE_SELLER}/onboarding"
V1_MARKETPLACE_SELLER_REFRESH = f"{V1_MARKETPLACE_SELLER}/refresh"
V1_MARKETPLACE_SELLER_LISTINGS = f"{V1_MARKETPLACE_SELLER}/listings"
V1_MARKETPLACE_SELLER_LISTING = f"{V1_MARKETPLACE_SELLER_LISTINGS}/{{listing_id}}"
V1_MARKETPLACE_SELLER_TIERS = f"{V1_MARKETPLACE_SELLER_LISTING}/tiers"
V1_MARKETPLACE_SELLER_COLLABORATORS = f"{V1_MARKETPLACE_SELLER_LISTING}/collaborators"
V1_MARKETPLACE_SELLER_TRACK_FILE = f"{V1_MARKETPLACE_SELLER_LISTING}/files/track"
V1_MARKETPLACE_SELLER_ZIP_FILE = f"{V1_MARKETPLACE_SELLER_LISTING}/files/zip"
V1_MARKETPLACE_SELLER_COVER = f"{V1_MARKETPLACE_SELLER_LISTING}/cover"
V1_MARKETPLACE_SELLER_VOICE_TAG = f"{V1_MARKETPLACE_SELLER_LISTING}/voice-tag"
V1_MARKETPLACE_SELLER_PREVIEW = f"{V1_MARKETPLACE_SELLER_LISTING}/preview"
V1_MARKETPLACE_SELLER_PUBLISH = f"{V1_MARKETPLACE_SELLER_LISTING}/publish"
V1_MARKETPLACE_SELLER_UNPUBLISH = f"{V1_MARKETPLACE_SELLER_LISTING}/unpublish"
V1_MARKETPLACE_SANDBOX_ONBOARDING = f"{V1_MARKETPLACE}/sandbox/onboarding/{{account_id}}"  # GET: state; POST: finish

# Stored files for their owner, by signed URL (services/media.py makes them)
# marketplace commerce (cart, checkout, orders, licenses, downloads, refunds, reviews, moderation, caps)
V1_MARKETPLACE_CART = f"{V1_MARKETPLACE}/cart"
V1_MARKETPLACE_CART_LINE = f"{V1_MARKETPLACE_CART}/{{listing_id}}"
V1_MARKETPLACE_CHECKOUT = f"{V1_MARKETPLACE}/checkout"
V1_MARKETPLACE_ORDERS = f"{V1_MARKETPLACE}/orders"
V1_MARKETPLACE_ORDER = f"{V1_MARKETPLACE_ORDERS}/{{order_id}}"
V1_MARKETPLACE_ORDER_RECEIPT = f"{V1_MARKETPLACE_ORDER}/receipt"  # POST: email the receipt again
V1_MARKETPLACE_SANDBOX_PAY = f"{V1_MARKETPLACE}/sandbox/pay/{{order_id}}"  # POST: the buyer pays (test mode)
V1_MARKETPLACE_ORDER_LINE_LINK = f"{V1_MARKETPLACE}/order-lines/{{line_id}}/download-links"
V1_MARKETPLACE_ORDER_LINE_LICENSE_PDF = f"{V1_MARKETPLACE}/order-lines/{{line_id}}/license.pdf"
V1_MARKETPLACE_ORDER_LINE_RELEASE_TRACK = f"{V1_MARKETPLACE}/order-lines/{{line_id}}/release-track"
V1_MARKETPLACE_ORDER_LINE_REFUND = f"{V1_MARKETPLACE}/order-lines/{{line_id}}/refund"
V1_MARKETPLACE_DOWNLOAD = f"{V1_MARKETPLACE}/downloads/{{token}}"
V1_MARKETPLACE_LICENSE_VERIFY = f"{V1_MARKETPLACE}/licenses/verify/{{sha256}}"  # public
V1_MARKETPLACE_SALES = f"{V1_MARKETPLACE}/seller/sales"
V1_MARKETPLACE_CAP_WARNINGS = f"{V1_MARKETPLACE}/cap-warnings"
V1_MARKETPLACE_REVIEWS = f"{V1_MARKETPLACE_LISTING}/reviews"
V1_MARKETPLACE_REPORTS = f"{V1_MARKETPLACE}/reports"
V1_MARKETPLACE_MODERATION = f"{V1_MARKETPLACE}/moderation"  # admin: the open reports
V1_MARKETPLACE_MODERATION_ACTION = f"{V1_MARKETPLACE_MODERATION}/actions"  # admin: hide, restore, ban …
# Social: caption ideas for a release or track, audiograms (start one, its state, the list)
V1_SOCIAL = f"{V1}/social"
V1_SOCIAL_CAPTIONS = f"{V1_SOCIAL}/captions"
V1_SOCIAL_AUDIOGRAMS = f"{V1_SOCIAL}/audiograms"
V1_SOCIAL_AUDIOGRAM = f"{V1_SOCIAL_AUDIOGRAMS}/{{audiogram_id}}"
# Campaigns: list and create, one campaign with its variants and slots, its uplift report, cancel
V1_CAMPAIGNS = f"{V1}/campaigns"
V1_CAMPAIGN = f"{V1_CAMPAIGNS}/{{campaign_id}}"
V1_CAMPAIGN_REPORT = f"{V1_CAMPAIGN}/report"
V1_CAMPAIGN_CANCEL = f"{V1_CAMPAIGN}/cancel"
MEDIA = "/api/media"
MEDIA_TOKEN = f"{MEDIA}/{{token}}"

# Pages whose URL carries a secret (a reset token): never leak it through Referer.
NO_REFERRER_PAGES = (RESET, LINK_GOOGLE, FAN_UNSUBSCRIBE, SOCIAL_REVIEW)

# (label, route, lucide icon) for the sidebar: only areas that are built appear here.
NAV: list[tuple[str, str, str]] = [
    ("Home", HOME, "layout-dashboard"),
    ("Library", LIBRARY, "library"),
    ("Studio", PROJECTS, "sliders-horizontal"),
    ("Releases", RELEASES, "disc-3"),
    ("Social", SOCIAL, "megaphone"),
    ("Campaigns", CAMPAIGNS, "flask-conical"),
    ("Earnings", EARNINGS, "hand-coins"),
    ("Marketplace", MARKET, "store"),
    ("Sell", SELL, "badge-dollar-sign"),
    ("Jobs", JOBS, "activity"),
    ("Account", SETTINGS, "user-cog"),
    ("Plan & billing", ACCOUNT_PLAN, "gem"),
]

# Shown only to admins (the pages check the role on the server too).
ADMIN_NAV: list[tuple[str, str, str]] = [
    ("Users", ADMIN_USERS, "users"),
    ("Outbox", ADMIN_OUTBOX, "mail"),
    ("Moderation", ADMIN_MODERATION, "shield-alert"),
    ("Payment events", ADMIN_PAYMENT_EVENTS, "receipt"),
]


def track_page(track_id: object) -> str:
    return TRACK.replace("[track_id]", str(track_id))


def project_page(project_id: object) -> str:
    return PROJECT.replace("[project_id]", str(project_id))


def release_page(release_id: object) -> str:
    return RELEASE.replace("[release_id]", str(release_id))


def campaign_report_page(campaign_id: object) -> str:
    return with_query(CAMPAIGN_REPORT, id=str(campaign_id))


def smart_link_page(slug: str) -> str:
    return SMART_LINK.replace("[slug]", slug)


def smart_link_go(slug: str, platform: str) -> str:
    return SMART_LINK_GO.format(slug=slug, platform=platform)


def with_query(path: str, **params: str) -> str:
    """`path?key=value&…` with values URL-encoded."""
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}" if params else path
