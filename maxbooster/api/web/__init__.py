"""Browser endpoints: native form posts that answer with redirects and set the session cookie."""
