# Casebook service image: web (gunicorn), and later relay, worker and scheduler, from one image.

# The pages' third-party assets (htmx, axe-core, swagger-ui) from npm with the lockfile, at build time only.
FROM node:20-bookworm-slim AS ui-assets
WORKDIR /src
COPY scripts/build-ui-assets.sh ./scripts/
COPY casebook/web/ui/assets/package.json casebook/web/ui/assets/package-lock.json ./casebook/web/ui/assets/
RUN sh scripts/build-ui-assets.sh

FROM python:3.11-slim-bookworm

# HarfBuzz subsetting (else WeasyPrint subsets CJK fonts in pure Python, ~70x slower), a CJK font,
# Pango for WeasyPrint, and poppler-utils for text extraction checks.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libharfbuzz-subset0 fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0 poppler-utils \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 casebook
WORKDIR /app
COPY pyproject.toml README.md ./
COPY casebook ./casebook
COPY --from=ui-assets /src/casebook/web/ui/static/vendor ./casebook/web/ui/static/vendor
COPY events ./events
COPY schemas ./schemas
COPY scheduler ./scheduler
COPY pdf_templates ./pdf_templates
COPY catalogue ./catalogue
COPY scripts ./scripts
RUN pip install --no-cache-dir .
# Pre-subset CJK fonts for the 文书 (GB 2312 + punctuation + the templates' characters); full fonts stay the fallback.
RUN python scripts/build_font_subsets.py --out /app/fonts

ENV CASEBOOK_DATA_DIR=/data \
    CASEBOOK_TEMPLATES_DIR=/app/pdf_templates \
    CASEBOOK_FONT_DIR=/app/fonts
RUN mkdir -p /data && chown casebook /data
USER casebook
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "8", "casebook.web.app:create_app()"]
