"""Studio projects ↔ DAWproject files (.dawproject), the open exchange format that Bitwig Studio,
Studio One and Cubase read and write: a ZIP of project.xml, metadata.xml and the audio.

`export.py` (the `studio.export_dawproject` job and its download), `importer.py` (a file as a
new project), `archive.py` (the untrusted ZIP and XML, read safely), `read.py` / `write.py`
(project.xml ↔ the arrangement document) and `devices.py` (inserts ↔ built-in devices).
"""

from __future__ import annotations

from maxbooster.services.studio.dawproject.archive import DawprojectRefused
from maxbooster.services.studio.dawproject.export import (
    EXPORT_KIND,
    ExportResult,
    ExportStatus,
    export_dawproject,
    export_download_url,
    export_key,
    export_status,
    start_export,
)
from maxbooster.services.studio.dawproject.importer import ImportResult, import_dawproject

__all__ = ["EXPORT_KIND", "DawprojectRefused", "ExportResult", "ExportStatus", "ImportResult", "export_dawproject",
           "export_download_url", "export_key", "export_status", "import_dawproject", "start_export"]
