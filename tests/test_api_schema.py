import re
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats


def test_the_schema_generates_without_warnings_or_errors(tmp_path, capsys):
    reset_generator_stats()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert not GENERATOR_STATS
    assert "Warning" not in capsys.readouterr().err
    paths = yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/units/{code}/",
        "/api/v1/members/{employee_no}/",
        "/api/v1/categories/",
        "/api/v1/posts/",
        "/api/v1/systems/{year}/publish/",
        "/api/v1/systems/{year}/clone/",
        "/api/v1/systems/{year}/archive/",
        "/api/v1/systems/{year}/category-weights/",
        "/api/v1/indicators/",
        "/api/v1/rater-weights/",
        "/api/v1/grades/",
        "/api/v1/post-targets/",
    ]:
        assert path in paths, path


@pytest.mark.django_db
def test_the_schema_is_served():
    response = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    assert "/api/v1/units/" in response.json()["paths"]


@pytest.mark.django_db
def test_the_docs_page_loads_only_our_own_static_files():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for url in re.findall(r"""https?://[^\s"'<>)]+""", html):
        assert urlsplit(url).hostname in {"testserver", "localhost", "127.0.0.1"}, url
    for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html):
        assert url.startswith("/") and not url.startswith("//"), url
        assert finders.find(
            url.removeprefix(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/")
        )
