"""Every route of the app, in one place."""

LANDING = "/"
LOGIN = "/login"
SIGNUP = "/signup"
FORGOT = "/forgot"
RESET = "/reset"
LINK_GOOGLE = "/link-google"
DASHBOARD = "/studio"
JOBS = "/jobs"
SETTINGS = "/settings"
ADMIN_USERS = "/admin/users"

# (label, route, lucide icon) for the sidebar: only areas that are built appear here.
NAV: list[tuple[str, str, str]] = [
    ("Home", DASHBOARD, "layout-dashboard"),
    ("Jobs", JOBS, "activity"),
    ("Account", SETTINGS, "user-cog"),
]

# Shown only to admins (the pages check the role on the server too).
ADMIN_NAV: list[tuple[str, str, str]] = [
    ("Users", ADMIN_USERS, "users"),
]
