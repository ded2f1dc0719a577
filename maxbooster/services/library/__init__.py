"""Library: uploads (streamed, checked by content, within the plan's storage), processing
(working copy, analysis, waveform peaks, readiness) and the artist's track list."""
