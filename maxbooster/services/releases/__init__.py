"""Releases: the release editor's data (tracks from library masters, credits, territories, artwork),
ISRC/UPC codes, the pre-flight validator, DDEX ERN 4.3 messages and their delivery per destination
through a provider (the local folder by default) with an audited state machine."""
