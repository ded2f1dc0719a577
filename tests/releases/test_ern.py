"""DDEX ERN 4.3: a single and a 20-track album validate against DDEX's XSD; every reference resolves
and every resource is used (checked ourselves: the XSD does not); the takedown update ends every
deal; the PurgeReleaseMessage validates; broken messages are caught by each check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from lxml import etree

from maxbooster.services.releases import ern, ern_check
from tests.releases.support import ern_schema

ern_schema = ern_schema  # noqa: PLW0127  (the fixture, re-exported for this module)
HEADER = ern.Header("MB-1-1", "thread-1", "PADPIDA2014120301Q", "North Records", "PADPIDA0000000000L", "Store",
                    datetime(2026, 12, 4, 9, 0, tzinfo=UTC))


def snap(n: int, release_type: str = "album", territories: tuple[str, ...] = ()) -> ern.ReleaseSnap:
    def track(i: int) -> ern.TrackSnap:
        return ern.TrackSnap(
            isrc=f"USMB126{i:05d}", title=f"Song {i}", version="Radio Edit" if i == 2 else "",
            artists=(ern.Credit("Ava North", "primary"),) + ((ern.Credit("Kim Lee", "featured"),) if i == 1 else ()),
            contributors=(ern.Credit("Ava North", "composer"), ern.Credit("Sam Roe", "producer"),
                          ern.Credit("Mo Mix", "mixer")),
            explicit=i == 3, duration_s=180.25 + i, sample_rate=44100, bits=24, channels=2, codec="FLAC",
            file=ern.FileRef(f"resources/0614141000012_01_{i:03d}.flac", "MD5", f"{i:032x}", 30_000_000 + i))
    return ern.ReleaseSnap(
        release_id="r", upc="0614141000012", release_type=release_type, title="Night Drive", version="",
        artists=(ern.Credit("Ava North", "primary"),), label="North Records", genre="Electronic", subgenre="Synthwave",
        language="en", release_date=date(2027, 3, 5), original_release_date=None, territories=territories,
        price_tier="mid", p_year=2026, p_owner="North Records", c_year=2026, c_owner="North Records",
        artwork=ern.ArtworkSnap(3000, 3000, "JPEG", ern.FileRef("resources/0614141000012_front.jpg", "MD5", "f" * 32,
                                                                 2_000_000)),
        tracks=tuple(track(i) for i in range(1, n + 1)))


def _root(data: bytes) -> Any:
    return ern_check.parse(data)


def test_a_single_validates_as_simple_audio_single(ern_schema: Any) -> None:
    data = ern.new_release_message(snap(1, "single"), HEADER)
    assert ern_check.check_message(data, schema=ern_schema) is True
    root = _root(data)
    assert root.get("ReleaseProfileVersionId") == "SimpleAudioSingle" and root.get("AvsVersionId") == "4"
    assert root.findtext("ReleaseList/Release/ReleaseType") == "Single"
    assert root.findtext("ReleaseList/Release/ReleaseId/ICPN") == "0614141000012"
    assert root.findtext("ResourceList/SoundRecording/SoundRecordingEdition/ResourceId/ISRC") == "USMB12600001"
    assert root.findtext("ResourceList/SoundRecording/DisplayArtistName") == "Ava North feat. Kim Lee"
    assert [r.text for r in root.iter("Role")] == ["Composer", "StudioProducer", "MixingEngineer"]
    hashsum = root.find("ResourceList/SoundRecording/SoundRecordingEdition/TechnicalDetails/DeliveryFile/File/HashSum")
    assert hashsum.findtext("Algorithm") == "MD5" and hashsum.findtext("HashSumValue") == f"{1:032x}"
    assert root.findtext("ResourceList/SoundRecording/Duration") == "PT3M1.250S"


def test_a_twenty_track_album_validates_with_every_reference_resolved(ern_schema: Any) -> None:
    data = ern.new_release_message(snap(20, territories=("GB", "US", "DE")), HEADER)
    assert ern_check.check_message(data, schema=ern_schema)
    root = _root(data)
    assert root.get("ReleaseProfileVersionId") == "Audio"
    assert ern_check.reference_problems(root) == [] and ern_check.profile_problems(root) == []
    assert len(root.findall("ResourceList/SoundRecording")) == 20
    assert len(root.findall("ReleaseList/TrackRelease")) == 20
    sequence = [int(i.findtext("SequenceNumber")) for i in root.iterfind(
        "ReleaseList/Release/ResourceGroup/ResourceGroup/ResourceGroupContentItem")]
    assert sequence == list(range(1, 21))
    # deals for the main release and each track release, in the release's territories from its date
    assert len(root.findall("DealList/ReleaseDeal")) == 21
    terms = root.find("DealList/ReleaseDeal/Deal/DealTerms")
    assert [t.text for t in terms.findall("TerritoryCode")] == ["GB", "US", "DE"]
    assert terms.findtext("ValidityPeriod/StartDate") == "2027-03-05" and terms.find("ValidityPeriod/EndDate") is None
    uses = {u.text for u in root.iter("UseType")}
    assert uses == {"OnDemandStream", "NonInteractiveStream", "PermanentDownload"}
    parties = {p.findtext("PartyName/FullName") for p in root.iter("Party")}
    assert parties == {"Ava North", "Kim Lee", "Sam Roe", "Mo Mix", "North Records"}


def test_the_takedown_is_a_complete_update_whose_deals_end(ern_schema: Any) -> None:
    data = ern.new_release_message(snap(3), HEADER, deals_end=date(2027, 6, 1))
    assert ern_check.check_message(data, schema=ern_schema)
    root = _root(data)
    periods = root.findall("DealList/ReleaseDeal/Deal/DealTerms/ValidityPeriod")
    assert len(periods) == 8 and all(p.findtext("EndDate") == "2027-06-01" for p in periods)
    assert len(root.findall("ResourceList/SoundRecording")) == 3  # a statement of truth: everything again
    # a takedown before the release date ends the deals on the start date (never before it)
    early = _root(ern.new_release_message(snap(1, "single"), HEADER, deals_end=date(2026, 12, 4)))
    assert {p.findtext("EndDate") for p in early.iter("ValidityPeriod")} == {"2027-03-05"}


def test_the_purge_release_message_validates(ern_schema: Any) -> None:
    data = ern.purge_release_message(snap(2), HEADER)
    assert ern_check.check_message(data, schema=ern_schema)
    root = _root(data)
    assert etree.QName(root).localname == "PurgeReleaseMessage"
    assert root.findtext("PurgedRelease/ReleaseId/ICPN") == "0614141000012"


@pytest.mark.parametrize(("old", "new", "problem"), [
    (b"<ArtistPartyReference>P1<", b"<ArtistPartyReference>P99<",
     "ArtistPartyReference P99 points at no PartyReference"),
    (b"<ReleaseResourceReference>A2<", b"<ReleaseResourceReference>A1<", "resource A2 is in no release"),
    (b"<DealReleaseReference>R2<", b"<DealReleaseReference>R9<",
     "DealReleaseReference R9 points at no ReleaseReference"),
    (b"<PartyReference>P2<", b"<PartyReference>P1<", "PartyReference P1 is defined 2 times"),
])
def test_reference_problems_are_found(old: bytes, new: bytes, problem: str) -> None:
    data = ern.new_release_message(snap(3), HEADER)
    assert old in data
    assert problem in ern_check.reference_problems(_root(data.replace(old, new)))


def test_schema_errors_are_reported_with_their_line(ern_schema: Any) -> None:
    data = ern.new_release_message(snap(1, "single"), HEADER).replace(b"<ReleaseType>Single", b"<ReleaseType>Mixtape")
    with pytest.raises(ern_check.MessageInvalid, match="ReleaseType"):
        ern_check.check_message(data, schema=ern_schema)


def test_without_the_schema_references_are_still_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ern_check, "schema_path", lambda: None)
    assert ern_check.check_message(ern.new_release_message(snap(2), HEADER)) is False
    with pytest.raises(ern_check.MessageInvalid, match="not installed"):
        ern_check.check_message(ern.new_release_message(snap(2), HEADER), require_schema=True)
