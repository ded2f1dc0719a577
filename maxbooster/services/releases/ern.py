"""DDEX ERN 4.3 messages built from a release snapshot (plain data, no database).

ERN 4.3 has two messages: `NewReleaseMessage` (the first delivery and every later change, always
complete: DDEX messages are statements of truth, so an update re-sends every resource, party and
deal) and `PurgeReleaseMessage`. A takedown is a complete NewReleaseMessage whose deals end (their
ValidityPeriod gets an EndDate), per DDEX's takedown guidance; a destination that asks for it also
gets a PurgeReleaseMessage afterwards.

Layout (Audio album / SimpleAudioSingle release profiles): one main Release (R0, ICPN = the UPC)
whose ResourceGroup lists the sound recordings in order (one Component group) and the front cover
image; one TrackRelease per recording (R1…); one SoundRecording per track (A1…, ISRC, ℗ line,
technical details with the delivered file and its hash) and the Image (front cover); parties for
every artist, contributor and the label; deals for streaming (subscription + ad-supported) and
download (pay as you go) in the release's territories from its release date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

NS = "http://ddex.net/xml/ern/43"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
AVS_VERSION = "4"
_RELEASE_TYPES = {"single": "Single", "ep": "EP", "album": "Album"}
_ARTIST_ROLES = {"primary": "MainArtist", "featured": "FeaturedArtist"}
_CONTRIBUTOR_ROLES = {"performer": "Performer", "producer": "StudioProducer", "composer": "Composer",
                      "lyricist": "Lyricist", "mixer": "MixingEngineer", "mastering_engineer": "MasteringEngineer"}
# price tier → DDEX PriceCode in our own namespace (destinations map tiers to their prices)
_STREAM = (("SubscriptionModel", "AdvertisementSupportedModel"), ("OnDemandStream", "NonInteractiveStream"))
_DOWNLOAD = (("PayAsYouGoModel",), ("PermanentDownload",))


@dataclass(frozen=True)
class FileRef:
    """A file in the package: path relative to the message, its hash (DDEX algorithm name) and size."""

    uri: str
    algorithm: str
    hash_value: str
    size_bytes: int


@dataclass(frozen=True)
class Credit:
    name: str
    role: str  # ArtistRole or ContributorRole value


@dataclass(frozen=True)
class TrackSnap:
    isrc: str
    title: str
    version: str
    artists: tuple[Credit, ...]  # release artists then the track's featured artists, in order
    contributors: tuple[Credit, ...]
    explicit: bool
    duration_s: float
    sample_rate: int
    bits: int
    channels: int
    codec: str  # DDEX AudioCodecType: FLAC or PCM
    file: FileRef
    preview_start_s: float = 0.0
    file_included: bool = True  # False in an update that does not re-send the binaries


@dataclass(frozen=True)
class ArtworkSnap:
    width: int
    height: int
    codec: str  # JPEG or PNG
    file: FileRef
    file_included: bool = True


@dataclass(frozen=True)
class ReleaseSnap:
    release_id: str
    upc: str
    release_type: str
    title: str
    version: str
    artists: tuple[Credit, ...]
    label: str
    genre: str
    subgenre: str
    language: str
    release_date: date
    original_release_date: date | None
    territories: tuple[str, ...]  # empty = worldwide
    price_tier: str
    p_year: int
    p_owner: str
    c_year: int
    c_owner: str
    artwork: ArtworkSnap
    tracks: tuple[TrackSnap, ...]


@dataclass(frozen=True)
class Header:
    message_id: str
    thread_id: str
    sender_dpid: str
    sender_name: str
    recipient_dpid: str
    recipient_name: str
    created: datetime
    test: bool = False


@dataclass
class _Parties:
    """Party references by name: P1, P2 … in first-use order."""

    refs: dict[str, str] = field(default_factory=dict)

    def ref(self, name: str) -> str:
        if name not in self.refs:
            self.refs[name] = f"P{len(self.refs) + 1}"
        return self.refs[name]


def _el(parent: Any, tag: str, text: object = None, **attrs: str) -> Any:
    node = etree.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = str(text)
    return node


def duration(seconds: float) -> str:
    """ISO 8601 duration as DDEX writes it: 182.5 → 'PT3M2.500S', 3725 → 'PT1H2M5.000S'."""
    whole_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(whole_ms, 3_600_000)
    minutes, ms = divmod(rest, 60_000)
    return f"PT{hours}H{minutes}M{ms / 1000:.3f}S" if hours else f"PT{minutes}M{ms / 1000:.3f}S"


def display_artist_name(credits: tuple[Credit, ...]) -> str:
    """'A & B feat. C' from primary and featured artists in order."""
    main = [c.name for c in credits if c.role == "primary"]
    featured = [c.name for c in credits if c.role == "featured"]
    text = " & ".join(main)
    return f"{text} feat. {' & '.join(featured)}" if featured else text


def profile_of(snap: ReleaseSnap) -> str:
    """SimpleAudioSingle for a one-track single, else the Audio (album) profile."""
    return "SimpleAudioSingle" if snap.release_type == "single" and len(snap.tracks) == 1 else "Audio"


def _root(tag: str, header: Header, language: str, **attrs: str) -> Any:
    root = etree.Element(f"{{{NS}}}{tag}", nsmap={"ern": NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{NS} {NS}/release-notification.xsd")
    for key, value in attrs.items():
        root.set(key, value)
    root.set("AvsVersionId", AVS_VERSION)
    root.set("LanguageAndScriptCode", language)
    head = _el(root, "MessageHeader")
    _el(head, "MessageThreadId", header.thread_id)
    _el(head, "MessageId", header.message_id)
    for tag_name, dpid, name in (("MessageSender", header.sender_dpid, header.sender_name),
                                 ("MessageRecipient", header.recipient_dpid, header.recipient_name)):
        party = _el(head, tag_name)
        _el(party, "PartyId", dpid)
        _el(_el(party, "PartyName"), "FullName", name)
    _el(head, "MessageCreatedDateTime", header.created.isoformat(timespec="seconds"))
    _el(head, "MessageControlType", "TestMessage" if header.test else "LiveMessage")
    return root


def _title(parent: Any, title: str, version: str, language: str) -> None:
    _el(parent, "DisplayTitleText", f"{title} ({version})" if version else title, LanguageAndScriptCode=language)
    shown = _el(parent, "DisplayTitle", LanguageAndScriptCode=language)
    _el(shown, "TitleText", title)
    if version:
        _el(shown, "SubTitle", version, SubTitleType="Version")


def _artists(parent: Any, credits: tuple[Credit, ...], parties: _Parties) -> None:
    _el(parent, "DisplayArtistName", display_artist_name(credits))
    for seq, credit in enumerate(credits, start=1):
        node = _el(parent, "DisplayArtist", SequenceNumber=str(seq))
        _el(node, "ArtistPartyReference", parties.ref(credit.name))
        _el(node, "DisplayArtistRole", _ARTIST_ROLES[credit.role])


def _file(parent: Any, ref: FileRef) -> None:
    node = _el(parent, "File")
    _el(node, "URI", ref.uri)
    hashsum = _el(node, "HashSum")
    _el(hashsum, "Algorithm", ref.algorithm)
    _el(hashsum, "HashSumValue", ref.hash_value)
    _el(node, "FileSize", ref.size_bytes)


def _sound_recording(parent: Any, snap: ReleaseSnap, track: TrackSnap, number: int, parties: _Parties) -> None:
    rec = _el(parent, "SoundRecording")
    _el(rec, "ResourceReference", f"A{number}")
    _el(rec, "Type", "MusicalWorkSoundRecording")
    edition = _el(rec, "SoundRecordingEdition")
    _el(_el(edition, "ResourceId"), "ISRC", track.isrc)
    pline = _el(edition, "PLine")
    _el(pline, "Year", snap.p_year)
    _el(pline, "PLineCompany", snap.p_owner)
    _el(pline, "PLineText", f"℗ {snap.p_year} {snap.p_owner}")
    tech = _el(edition, "TechnicalDetails")
    _el(tech, "TechnicalResourceDetailsReference", f"T{number}")
    audio = _el(tech, "DeliveryFile")
    _el(audio, "Type", "AudioFile")
    _el(audio, "AudioCodecType", track.codec)
    _el(audio, "NumberOfChannels", track.channels)
    _el(audio, "SamplingRate", track.sample_rate, UnitOfMeasure="Hz")
    _el(audio, "BitsPerSample", track.bits)
    _el(audio, "Duration", duration(track.duration_s))
    _file(audio, track.file)
    _el(audio, "IsProvidedInDelivery", str(track.file_included).lower())
    _title(rec, track.title, track.version, snap.language)
    _artists(rec, track.artists, parties)
    for seq, credit in enumerate(track.contributors, start=1):
        node = _el(rec, "Contributor", SequenceNumber=str(seq))
        _el(node, "ContributorPartyReference", parties.ref(credit.name))
        _el(node, "Role", _CONTRIBUTOR_ROLES[credit.role])
    _el(rec, "Duration", duration(track.duration_s))
    _el(rec, "ParentalWarningType", "Explicit" if track.explicit else "NotExplicit")
    _el(rec, "LanguageOfPerformance", snap.language)


def _image(parent: Any, snap: ReleaseSnap, number: int, namespace: str) -> None:
    img = _el(parent, "Image")
    _el(img, "ResourceReference", f"A{number}")
    _el(img, "Type", "FrontCoverImage")
    _el(_el(img, "ResourceId"), "ProprietaryId", f"{snap.upc}_front", Namespace=namespace)
    tech = _el(img, "TechnicalDetails")
    _el(tech, "TechnicalResourceDetailsReference", f"T{number}")
    _el(tech, "ImageCodecType", snap.artwork.codec)
    _el(tech, "ImageHeight", snap.artwork.height, UnitOfMeasure="Pixel")
    _el(tech, "ImageWidth", snap.artwork.width, UnitOfMeasure="Pixel")
    _file(tech, snap.artwork.file)
    _el(tech, "IsProvidedInDelivery", str(snap.artwork.file_included).lower())


def _genre(parent: Any, snap: ReleaseSnap) -> None:
    genre = _el(parent, "Genre")
    _el(genre, "GenreText", snap.genre)
    if snap.subgenre:
        _el(genre, "SubGenre", snap.subgenre)


def _main_release(parent: Any, snap: ReleaseSnap, parties: _Parties, label_ref: str) -> None:
    rel = _el(parent, "Release")
    _el(rel, "ReleaseReference", "R0")
    _el(rel, "ReleaseType", _RELEASE_TYPES[snap.release_type])
    _el(_el(rel, "ReleaseId"), "ICPN", snap.upc)
    _title(rel, snap.title, snap.version, snap.language)
    _artists(rel, snap.artists, parties)
    _el(rel, "ReleaseLabelReference", label_ref)
    lines = (("PLine", snap.p_year, snap.p_owner, "℗"), ("CLine", snap.c_year, snap.c_owner, "©"))
    for tag, year, owner, sign in lines:
        line = _el(rel, tag)
        _el(line, "Year", year)
        _el(line, f"{tag}Company", owner)
        _el(line, f"{tag}Text", f"{sign} {year} {owner}")
    _el(rel, "Duration", duration(sum(t.duration_s for t in snap.tracks)))
    _genre(rel, snap)
    _el(rel, "ReleaseDate", snap.release_date.isoformat())
    if snap.original_release_date:
        _el(rel, "OriginalReleaseDate", snap.original_release_date.isoformat())
    _el(rel, "ParentalWarningType", "Explicit" if any(t.explicit for t in snap.tracks) else "NotExplicit")
    group = _el(rel, "ResourceGroup")
    volume = _el(group, "ResourceGroup", ResourceGroupType="Component")
    _el(volume, "SequenceNumber", 1)
    for number in range(1, len(snap.tracks) + 1):
        item = _el(volume, "ResourceGroupContentItem")
        _el(item, "SequenceNumber", number)
        _el(item, "ReleaseResourceReference", f"A{number}")
    _el(_el(group, "ResourceGroupContentItem"), "ReleaseResourceReference", f"A{len(snap.tracks) + 1}")


def _track_release(parent: Any, snap: ReleaseSnap, number: int, label_ref: str, namespace: str) -> None:
    rel = _el(parent, "TrackRelease")
    _el(rel, "ReleaseReference", f"R{number}")
    _el(_el(rel, "ReleaseId"), "ProprietaryId", snap.tracks[number - 1].isrc, Namespace=namespace)
    _el(rel, "ReleaseResourceReference", f"A{number}")
    _el(rel, "ReleaseLabelReference", label_ref)
    _genre(rel, snap)


def _deals(parent: Any, snap: ReleaseSnap, ends: date | None) -> None:
    deals = _el(parent, "DealList")
    for number in range(len(snap.tracks) + 1):
        release_deal = _el(deals, "ReleaseDeal")
        _el(release_deal, "DealReleaseReference", f"R{number}")
        for models, uses in (_STREAM, _DOWNLOAD):
            terms = _el(_el(release_deal, "Deal"), "DealTerms")
            for code in snap.territories or ("Worldwide",):
                _el(terms, "TerritoryCode", code)
            period = _el(terms, "ValidityPeriod")
            _el(period, "StartDate", snap.release_date.isoformat())
            if ends is not None:
                _el(period, "EndDate", max(ends, snap.release_date).isoformat())
            for model in models:
                _el(terms, "CommercialModelType", model)
            for use in uses:
                _el(terms, "UseType", use)
            if models == _DOWNLOAD[0]:
                price = _el(terms, "PriceInformation", PriceType="StandardRetailPrice")
                _el(price, "PriceCode", snap.price_tier, Namespace="MaxBooster:PriceTier")


def new_release_message(snap: ReleaseSnap, header: Header, *, deals_end: date | None = None) -> bytes:
    """A complete NewReleaseMessage; with `deals_end`, every deal ends that day (a takedown)."""
    root = _root("NewReleaseMessage", header, snap.language, ReleaseProfileVersionId=profile_of(snap))
    parties = _Parties()
    for credit in snap.artists:
        parties.ref(credit.name)
    for track in snap.tracks:
        for credit in track.artists + track.contributors:
            parties.ref(credit.name)
    label_ref = parties.ref(snap.label)
    namespace = f"DPID:{header.sender_dpid}"
    party_list = _el(root, "PartyList")
    resources = etree.Element("ResourceList")
    for number, track in enumerate(snap.tracks, start=1):
        _sound_recording(resources, snap, track, number, parties)
    _image(resources, snap, len(snap.tracks) + 1, namespace)
    releases = etree.Element("ReleaseList")
    _main_release(releases, snap, parties, label_ref)
    for number in range(1, len(snap.tracks) + 1):
        _track_release(releases, snap, number, label_ref, namespace)
    for name, ref in parties.refs.items():  # every party the resources and releases named
        party = _el(party_list, "Party")
        _el(party, "PartyReference", ref)
        _el(_el(party, "PartyName"), "FullName", name)
    root.append(resources)
    root.append(releases)
    _deals(root, snap, deals_end)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def purge_release_message(snap: ReleaseSnap, header: Header) -> bytes:
    """A PurgeReleaseMessage for the release (identified by its UPC, title and main artists)."""
    root = _root("PurgeReleaseMessage", header, snap.language)
    purged = _el(root, "PurgedRelease")
    _el(_el(purged, "ReleaseId"), "ICPN", snap.upc)
    _el(_el(purged, "Title"), "TitleText", snap.title)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
