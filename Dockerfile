# guideline serve: the guideline as an HTTP API and the committee's page.
#
#   docker build -t guideline .
#   docker run --rm -p 127.0.0.1:8000:8000 --read-only --tmpfs /tmp \
#       -v "$PWD/tables:/tables:ro" guideline /tables/nbcg-bisfosfonat.xlsx
#
# The workbook folder is mounted read-only: the server never writes to it (nor anywhere else
# but /tmp, which the Python runtime may use). Put a reverse proxy (nginx, Caddy, Traefik) in
# front of it for TLS and access control; see docs/serve.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY engine ./engine
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin guideline
USER guideline
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
EXPOSE 8000
VOLUME ["/tables"]
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
# --host 0.0.0.0 inside the container only; publish the port on 127.0.0.1 (as above) or on a
# network only the reverse proxy reaches. --watch: a save by the committee is served at once.
ENTRYPOINT ["guideline", "serve", "--host", "0.0.0.0", "--port", "8000", "--watch"]
CMD ["/tables/nbcg-bisfosfonat.xlsx"]
