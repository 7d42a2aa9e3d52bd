"""The public verify page: static HTML, CSS and JavaScript, no build step and no CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
router = APIRouter(tags=["public"])
static_files = StaticFiles(directory=STATIC_DIR)


@router.get("/verify", response_class=FileResponse)
def read_verify_page(
    number: Annotated[
        str | None,
        Query(
            max_length=40,
            description="a registration number the page verifies at once (a certificate's "
            "QR code links here with it)",
        ),
    ] = None,
) -> FileResponse:
    """The page where anyone verifies a certificate (paste, upload, number or QR link).

    The page's script reads ``number``; it is declared so that the QR link is a
    documented, accepted parameter rather than an unknown one.
    """
    return FileResponse(STATIC_DIR / "verify.html", media_type="text/html")
