"""Every response carries a strict Content-Security-Policy and a Permissions-Policy, and no
template or Python-made page carries what that policy would refuse (issue 11, hostile 1)."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.markdown import render_markdown

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Emails are not served pages: mail clients need their inline styles, and no CSP applies.
SERVED_TEMPLATES = sorted(
    p for p in TEMPLATES.rglob("*.html") if "email" not in p.relative_to(TEMPLATES).parts
)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/communities/", "/accounts/login/", "/healthz", "/nowhere/"])
def test_every_response_carries_a_strict_policy(client, url):
    policy = directives(client.get(url))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    for values in policy.values():
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values


@pytest.mark.django_db
def test_the_admin_has_the_same_policy(client, site_admin):
    client.force_login(site_admin)

    policy = directives(client.get("/admin/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_every_response_refuses_the_browser_features_we_never_use(client):
    header = client.get("/")["Permissions-Policy"]

    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header


def test_the_only_style_attributes_allowed_are_markdown_table_alignments():
    """The policy names the exact attribute values the Markdown renderer writes."""
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"]
    html = render_markdown("| a | b | c |\n| :-- | :-: | --: |\n| 1 | 2 | 3 |\n")
    written = set(re.findall(r'style="([^"]*)"', html))

    assert written == {"text-align:left", "text-align:center", "text-align:right"}
    assert allowed[0] == "'unsafe-hashes'"
    assert set(allowed[1:]) == {sha256_source(value) for value in written}


@pytest.mark.parametrize("template", SERVED_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_served_template_has_inline_script_style_or_handlers(template):
    source = template.read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), "an inline <script>"
    assert "<style" not in source, "a <style> element"
    assert not re.search(r"\sstyle=", source), "a style attribute"
    assert not re.search(r"\son[a-z]+=", source), "an inline event handler"
    assert not re.search(r"\s(data-)?hx-on", source), "an hx-on handler (htmx would eval it)"


def test_the_server_drawn_charts_use_no_style_attributes():
    source = (Path(settings.BASE_DIR) / "health" / "charts.py").read_text()

    assert "style=" not in source


@pytest.mark.django_db
def test_the_sent_email_viewer_alone_lets_style_attributes_through(client, site_admin, settings, tmp_path):
    # Its sandboxed srcdoc frame inherits the page's policy, and emails style themselves inline.
    from django.core.mail import EmailMultiAlternatives

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path
    email = EmailMultiAlternatives(subject="Hi", body="Hi", to=["mia@example.org"])
    email.attach_alternative('<p style="color:red">Hi</p>', "text/html")
    email.send()
    client.force_login(site_admin)
    name = next(tmp_path.iterdir()).name

    policy = directives(client.get(reverse("notifications:dev_mail_message", args=[name])))

    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
