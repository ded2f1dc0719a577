"""The Studio One-inspired dark palette: dark greys, one accent."""

BG = "#16181c"
PANEL = "#1e2126"
PANEL_RAISED = "#262a30"
BORDER = "#30353d"
TEXT = "#e6e8eb"
MUTED = "#9aa1ab"
ACCENT = "#3d8bfd"
FONT = "'Inter', 'Segoe UI', system-ui, -apple-system, sans-serif"

STYLE = {
    "font_family": FONT,
    "background_color": BG,
    "color": TEXT,
    "::selection": {"background_color": ACCENT},
}

# Colours handed to the canvas components (track player, uploader) so they share this palette.
WAVE = "#56606e"  # unplayed waveform: quieter than text, brighter than the border
SOLID = "#1f6feb"  # accent for solid buttons with white text/icons (4.6:1, as in assets/theme.css)
PALETTE = {"bg": BG, "panel": PANEL, "raised": PANEL_RAISED, "border": BORDER, "text": TEXT,
           "muted": MUTED, "accent": ACCENT, "wave": WAVE, "solid": SOLID}
