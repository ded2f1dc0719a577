"""Destinations (profiles) and the provider that reaches each one."""

from __future__ import annotations

from maxbooster.services.errors import InvalidInput
from maxbooster.services.releases.providers.base import (
    Acknowledgement,
    AckStatus,
    DeliveryProvider,
    DestinationProfile,
)
from maxbooster.services.releases.providers.folder import FolderProvider
from maxbooster.services.releases.providers.sftp import SftpProvider, SftpTarget
from maxbooster.settings import get_settings

__all__ = ["AckStatus", "Acknowledgement", "DeliveryProvider", "DestinationProfile", "FolderProvider",
           "PROFILES", "SftpProvider", "SftpTarget", "profile", "provider_for"]

# The local DDEX party id used while an owner has none of their own (their messages are then marked
# TestMessage): syntactically a DPID, registered to nobody.
LOCAL_DPID = "PADPIDA0000000000L"

PROFILES: dict[str, DestinationProfile] = {
    "folder": DestinationProfile(
        key="folder", name="Delivery folder on this server", adapter="folder", recipient_dpid=LOCAL_DPID,
        recipient_name="Max Booster delivery folder", self_acknowledges=True),
    "partner_folder": DestinationProfile(
        key="partner_folder", name="Distributor drop folder (acknowledged by the distributor)", adapter="folder",
        recipient_dpid=LOCAL_DPID, recipient_name="Distributor", self_acknowledges=False, purge_on_takedown=True),
    # a distributor's SFTP drop box (DELIVERY_SFTP_*); the distributor writes the acknowledgements
    "sftp": DestinationProfile(
        key="sftp", name="Distributor SFTP server", adapter="sftp", recipient_dpid=LOCAL_DPID,
        recipient_name="Distributor", self_acknowledges=False, purge_on_takedown=True),
}
DEFAULT_DESTINATIONS = ("folder",)


def profile(key: str) -> DestinationProfile:
    if key not in PROFILES:
        raise InvalidInput(f"Unknown destination “{key}”; choose one of {', '.join(PROFILES)}.")
    return PROFILES[key]


def provider_for(dest: DestinationProfile) -> DeliveryProvider:
    """The adapter of a destination."""
    if dest.adapter == "folder":
        return FolderProvider(get_settings().delivery_dir / (dest.folder or dest.key),
                              self_acknowledges=dest.self_acknowledges)
    if dest.adapter == "sftp":
        return SftpProvider(SftpTarget.from_settings(get_settings()))
    raise InvalidInput(f"Delivery to {dest.name} is not available yet.")
