"""Registers `peaks_dat.js` (the browser's .dat v2 reader, shared by the waveform components) as a
public asset. The JSX files import it by its public path, so importing this module is what puts it
into the build."""

from __future__ import annotations

import reflex as rx

PEAKS_DAT_JS = rx.asset("peaks_dat.js", shared=True)
