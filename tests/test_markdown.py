"""People's Markdown becomes HTML that can run nothing: no scripts, handlers or script URLs."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    extract_mentions,
    render_markdown,
)

SAFE_SCHEMES = {"", "http", "https", "mailto"}


class _Elements(HTMLParser):
    """Every element in a fragment, as (tag, {attribute: value}), entities decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def links(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


# Markdown as people use it ---------------------------------------------------------


def test_it_renders_basic_markdown():
    html = render_markdown(
        "# Runbook\n\nWe share **what works** and *why*.\n\n- one\n- two\n\n> quoted"
    )

    assert "<h1>Runbook</h1>" in html
    assert "<strong>what works</strong>" in html
    assert "<em>why</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>" in html


def test_it_renders_code_blocks_with_their_language():
    html = render_markdown("```python\nprint('<hi>')\n```")

    assert html == (
        '<pre><code class="language-python"><span class="nb">print</span><span class="p">(</span>'
        "<span class=\"s1\">'&lt;hi&gt;'</span><span class=\"p\">)</span>\n</code></pre>\n"
    )


def test_it_renders_tables():
    html = render_markdown("| tool | use |\n|:-----|----:|\n| helm | charts |")

    assert [tag for tag, _ in elements(html)] == [
        "table",
        "thead",
        "tr",
        "th",
        "th",
        "tbody",
        "tr",
        "td",
        "td",
    ]
    # Column alignment survives as the one allowed style property.
    assert '<td style="text-align:left">helm</td>' in html
    assert '<td style="text-align:right">charts</td>' in html


def test_it_keeps_images_from_the_web():
    ((tag, attrs),) = elements(
        render_markdown('![diagram](https://example.org/d.png "Our setup")')
    )[1:]

    assert tag == "img"
    assert attrs == {"src": "https://example.org/d.png", "alt": "diagram", "title": "Our setup"}


@pytest.mark.parametrize("text", ["", None])
def test_nothing_renders_as_nothing(text):
    assert render_markdown(text) == ""


def test_links_are_marked_nofollow_ugc_noopener():
    html = render_markdown(
        'See [the docs](https://example.org/docs "Docs") and <https://example.org>.'
    )

    assert links(html) == [
        {"href": "https://example.org/docs", "title": "Docs", "rel": "nofollow ugc noopener"},
        {"href": "https://example.org", "rel": "nofollow ugc noopener"},
    ]


@pytest.mark.parametrize(
    "href",
    [
        "https://example.org",
        "http://example.org",
        "mailto:mia@example.org",
        "/c/kubernetes/",
        "#top",
    ],
)
def test_safe_links_are_kept(href):
    (link,) = links(render_markdown(f"[x]({href})"))

    assert link["href"] == href


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown("Use <kbd>Ctrl</kbd> and <b>bold</b>")

    assert "&lt;kbd&gt;Ctrl&lt;/kbd&gt;" in html
    assert "<b>" not in html


# Cross-site scripting corpus ---------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<!-- --><script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript://%0aalert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '[x](https://example.org/"onmouseover="alert(1))',
    '![x](https://example.org/a.png"onerror="alert(1))',
    "[<img src=x onerror=alert(1)>](https://example.org)",
    '[x](https://example.org "t" onclick=alert(1))',
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "```\n</code><script>alert(1)</script>\n```",
]


def _url_is_safe(value: str) -> bool:
    # urlsplit drops tabs and newlines the way browsers do, and finds no scheme in
    # a percent-encoded one (which browsers treat as a relative path).
    return urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower(), html
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        if tag in ALLOWED_CLASSES:
            allowed = allowed | {"class"}
            assert set(attrs.get("class", "").split()) <= ALLOWED_CLASSES[tag], html
        assert set(attrs) <= allowed, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            squeezed = re.sub(r"\s", "", value).lower()
            assert "javascript:" not in squeezed, html
            assert "vbscript:" not in squeezed, html
            if name in ("href", "src"):
                assert _url_is_safe(value), html


@pytest.mark.parametrize("payload", XSS)
def test_no_script_survives(payload):
    assert_harmless(render_markdown(payload))


@pytest.mark.parametrize(
    "html",
    [
        "<p><script>alert(1)</script></p>",
        '<img src="x" onerror="alert(1)">',
        '<a href="java&#x09;script:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        "<iframe></iframe>",
        '<p style="color:red">x</p>',
    ],
)
def test_the_harmlessness_check_itself_catches_dangerous_html(html):
    # Guards the guard: a check that passes everything would make the corpus worthless.
    with pytest.raises(AssertionError):
        assert_harmless(html)


# Code highlighting ---------------------------------------------------------------------


def test_code_in_a_known_language_is_highlighted_with_class_spans_only():
    html = render_markdown("```yaml\nreplicas: 3 # keep three\n```")

    assert html.startswith('<pre><code class="language-yaml">')
    spans = [attrs for tag, attrs in elements(html) if tag == "span"]
    assert spans
    assert all(set(attrs) == {"class"} for attrs in spans)
    assert "keep three" in html


def test_code_in_an_unknown_language_is_plain_escaped_text():
    html = render_markdown("```klingon\n<b>qapla'</b>\n```")

    assert html == "<pre><code class=\"language-klingon\">&lt;b&gt;qapla'&lt;/b&gt;\n</code></pre>\n"


def test_code_without_a_language_is_not_highlighted():
    assert "<span" not in render_markdown("```\nx = 1\n```")
    assert "<span" not in render_markdown("    x = 1\n")


def test_people_cannot_give_their_own_spans_or_links_classes():
    html = render_markdown('[x](https://example.org "t")', {})

    assert "class" not in html
    # Raw HTML is text anyway; the allowlist of classes is the second fence.
    assert ALLOWED_CLASSES["a"] == {"mention"}
    assert "button" not in ALLOWED_CLASSES["span"]


# Mentions -------------------------------------------------------------------------------

PEOPLE = {"aisha.bello": "/people/1/", "max": "/people/2/"}


def test_known_handles_become_links_to_the_person():
    html = render_markdown("Thanks @aisha.bello, and @Max.", PEOPLE)

    assert links(html) == [
        {"class": "mention", "href": "/people/1/", "rel": "nofollow ugc noopener"},
        {"class": "mention", "href": "/people/2/", "rel": "nofollow ugc noopener"},
    ]
    assert '<a class="mention" href="/people/1/" rel="nofollow ugc noopener">@aisha.bello</a>,' in html
    assert ">@Max</a>." in html


def test_unknown_handles_stay_text():
    html = render_markdown("Ask @nobody", PEOPLE)

    assert links(html) == []
    assert "@nobody" in html


@pytest.mark.parametrize(
    "text",
    [
        "`@max`",
        "```\n@max\n```",
        "    @max\n",
        "[ask @max](https://example.org)",
        "<https://example.org/@max>",
        "mail max@example.org",
        "path /users/@max",
        "@max__x",
    ],
)
def test_no_mention_inside_code_links_addresses_or_longer_words(text):
    html = render_markdown(text, PEOPLE)

    assert 'class="mention"' not in html


def test_mentions_work_inside_emphasis_lists_and_tables():
    html = render_markdown("*@max*\n\n- @max\n\n| who |\n|---|\n| @max |\n", PEOPLE)

    assert html.count('class="mention"') == 3


def test_extract_mentions_finds_lowercase_handles_outside_code_and_links():
    text = "Hi @Aisha.Bello and @max. Not `@code` nor [@link](https://example.org) nor me@example.org"

    assert extract_mentions(text) == {"aisha.bello", "max"}


def test_extract_mentions_of_nothing_is_empty():
    assert extract_mentions(None) == set()
    assert extract_mentions("no one here") == set()
