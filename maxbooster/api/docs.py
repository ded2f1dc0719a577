"""The OpenAPI docs page, served entirely from this server (Swagger UI from the swagger-ui-bundle
package), so /api/docs works offline and under a strict Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from maxbooster import routes

router = APIRouter(include_in_schema=False)
_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
_ALLOWED = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"}

_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Max Booster API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{routes.API_DOCS_ASSETS}/swagger-ui.css">
<link rel="icon" href="{routes.API_DOCS_ASSETS}/favicon-32x32.png"></head>
<body><main><h1 style="position:absolute;left:-9999px">Max Booster API</h1><div id="swagger-ui"></div></main>
<script src="{routes.API_DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{routes.API_DOCS_ASSETS}/init.js"></script></body></html>"""

_INIT = f"""window.ui = SwaggerUIBundle({{url: "{routes.OPENAPI}", dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"}});"""


@router.get(routes.API_DOCS)
def docs_page() -> HTMLResponse:
    return HTMLResponse(_PAGE)


@router.get(routes.API_DOCS_ASSETS + "/{name}")
def docs_asset(name: str) -> Response:
    if name == "init.js":
        return Response(_INIT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})
    if name not in _ALLOWED:
        raise HTTPException(404, "No such file.")
    return FileResponse(_ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})
