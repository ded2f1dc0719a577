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
