"""Max Booster: a self-hostable career platform for independent music artists."""

import warnings

import authlib.deprecate  # noqa: F401  (its import installs an "always" filter; ours must come after)

# Authlib 1.9 prefers the separate `httpx2` package and warns on every start when it falls back
# to httpx. The httpx path is the tested one (the OIDC tests run it against a local provider), so
# the notice is silenced instead of being shown to every self-hoster.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
