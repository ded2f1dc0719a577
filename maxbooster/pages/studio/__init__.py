"""Studio pages: the list of projects, and the editor of one project (the browser DAW)."""

from maxbooster.pages.studio import editor, projects

__all__ = ["editor", "projects"]
