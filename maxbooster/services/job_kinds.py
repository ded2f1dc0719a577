"""The one explicit list of modules that register job kinds (`feature.verb` names).

A feature adds its module here; `jobs.load_kinds()` imports them all before enqueueing or
running, so the web process and every worker know the same kinds.
"""

from __future__ import annotations

MODULES: tuple[str, ...] = (
    "maxbooster.services.selftest",
    "maxbooster.services.library.processing",
    "maxbooster.services.mastering.processing",
    "maxbooster.services.studio.bounce",
    "maxbooster.services.studio.dawproject.export",
    "maxbooster.services.releases.delivery",
    "maxbooster.services.billing.drain",
    "maxbooster.services.social.publishing",
    "maxbooster.services.social.audiogram",
    "maxbooster.services.social.ingest",
    "maxbooster.services.campaigns.scheduler",
    "maxbooster.services.marketplace.previews",
    "maxbooster.services.marketplace.mp3",
    "maxbooster.services.marketplace.checkout",
    "maxbooster.services.marketplace.payouts",
)

# What each kind is called on the Jobs page.
LABELS: dict[str, str] = {
    "system.selftest": "Self-test",
    "library.process": "Processing an upload",
    "mastering.render": "Mastering",
    "studio.bounce": "Bouncing a project",
    "studio.export_dawproject": "Exporting a project for a DAW",
    "releases.deliver": "Delivering a release",
    "billing.apply_events": "Applying payment events",
    "social.publish": "Publishing a social post",
    "social.audiogram": "Rendering an audiogram video",
    "social.ingest_metrics": "Reading engagement of social posts",
    "marketplace.preview": "Making a watermarked preview",
    "marketplace.encode_mp3": "Making the MP3 of a beat",
    "marketplace.expire_checkouts": "Cancelling unpaid checkouts",
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind.replace(".", " ").replace("_", " ").capitalize())
