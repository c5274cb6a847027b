"""Documents (文书): render templates under ``pdf_templates/`` to HTML and PDF, and bind case files."""

from .render import (
    ARCHIVE_PDF_VARIANT,
    TEMPLATES_DIR,
    AssetFetcher,
    AssetRefused,
    DocumentRenderError,
    check_environment,
    jinja_env,
    render_case_file,
    render_html,
    render_pdf,
    require_environment,
    sample_context,
)

__all__ = [
    "ARCHIVE_PDF_VARIANT",
    "TEMPLATES_DIR",
    "AssetFetcher",
    "AssetRefused",
    "DocumentRenderError",
    "check_environment",
    "jinja_env",
    "render_case_file",
    "render_html",
    "render_pdf",
    "require_environment",
    "sample_context",
]
