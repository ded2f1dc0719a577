"""Social publishing (feature `social`): connected accounts with encrypted tokens, posts with a
variant per account, scheduled publishing through the job system that never posts twice.

`providers/` holds one adapter per network behind `SocialProvider` (sandbox: the embedded default;
Mastodon: any instance); `accounts` connects and disconnects; `posts` composes and schedules;
`publishing` is the `social.publish` job and the sweep that starts it at the scheduled minute.
"""
