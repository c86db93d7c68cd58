"""What a browser would submit from a form on a page, read from the HTML with html.parser.

Faithful to the HTML standard where it matters for a round trip:
- only successful controls: named, not disabled (also inside a disabled fieldset), inside
  the form; checkboxes and radios only when checked; buttons only as the submitter;
- a value an `<input>` type cannot hold is sanitised as browsers do: a date that is not
  `YYYY-MM-DD` (say `02/05/2027`) is submitted EMPTY, likewise times, numbers, colours;
  text-like inputs lose their line breaks, emails and urls their surrounding spaces;
- a textarea drops the one newline right after its start tag and submits CRLF line breaks;
- a single select with nothing marked selected submits its first enabled option; an option
  without a value submits its text, whitespace collapsed.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_LIKE = {"text", "search", "tel", "password", "hidden", "email", "url"}
NOT_SUBMITTED = {"reset", "file", "image"}
BUTTON_TYPES = {"submit", "button", "reset"}


def _valid_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4,}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid_time(value: str) -> bool:
    match = re.fullmatch(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?", value)
    return bool(match) and int(match[1]) < 24 and int(match[2]) < 60 and int(match[3] or 0) < 60


def _valid_number(value: str) -> bool:
    return bool(re.fullmatch(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?", value))


def sanitise(input_type: str, value: str) -> str:
    """The value an `<input type=...>` holds, given its `value` attribute (HTML 'value sanitization')."""
    if input_type in ("text", "search", "tel", "password"):
        return value.replace("\r", "").replace("\n", "")
    if input_type in ("email", "url"):
        return value.replace("\r", "").replace("\n", "").strip(" \t\f")
    if input_type == "date":
        return value if _valid_date(value) else ""
    if input_type == "time":
        return value if _valid_time(value) else ""
    if input_type == "datetime-local":
        day, sep, time = value.replace(" ", "T").partition("T")
        return value.replace(" ", "T") if sep and _valid_date(day) and _valid_time(time) else ""
    if input_type == "month":
        return value if re.fullmatch(r"\d{4,}-(0[1-9]|1[0-2])", value) else ""
    if input_type == "number":
        return value if _valid_number(value) else ""
    if input_type == "color":
        return value.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else "#000000"
    return value


@dataclass
class Control:
    kind: str  # input, textarea, select, button
    name: str
    type: str = ""
    value: str = ""
    checked: bool = False
    disabled: bool = False
    multiple: bool = False
    text: str = ""
    options: list = field(default_factory=list)  # (value, selected, disabled)


@dataclass
class Form:
    attrs: dict
    controls: list = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.attrs.get("action") or ""

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()

    def names(self) -> set[str]:
        return {c.name for c in self.controls}

    def submitters(self) -> list[Control]:
        return [
            c
            for c in self.controls
            if c.kind == "button" or (c.kind == "input" and c.type == "submit")
        ]

    def submission(self, submitter: str | None = None) -> list[tuple[str, str]]:
        """The name/value pairs a browser sends when `submitter` (a button's text or name) is clicked.

        Without one, the first submit button is clicked, as pressing Enter would.
        """
        buttons = [b for b in self.submitters() if b.type == "submit" and not b.disabled]
        if submitter is None:
            clicked = buttons[0] if buttons else None
        else:
            matching = [b for b in buttons if submitter in (b.text, b.name, b.value)]
            if not matching:
                raise AssertionError(f"No submit button {submitter!r} in the form")
            clicked = matching[0]
        pairs = []
        for control in self.controls:
            if control.disabled or not control.name:
                continue
            if control.kind == "button" or (control.kind == "input" and control.type == "submit"):
                if control is clicked:
                    pairs.append((control.name, control.value))
                continue
            if control.kind == "input":
                if control.type in NOT_SUBMITTED or control.type == "button":
                    continue
                if control.type in ("checkbox", "radio"):
                    if control.checked:
                        pairs.append((control.name, control.value))
                    continue
                pairs.append((control.name, sanitise(control.type, control.value)))
            elif control.kind == "textarea":
                text = control.text
                if text.startswith("\r\n"):
                    text = text[2:]
                elif text.startswith("\n"):
                    text = text[1:]
                pairs.append((control.name, re.sub(r"\r\n|\r|\n", "\r\n", text)))
            elif control.kind == "select":
                enabled = [o for o in control.options if not o[2]]
                chosen = [o for o in enabled if o[1]]
                if not control.multiple:
                    # The last option marked selected wins; with none, the first enabled one shows.
                    chosen = chosen[-1:] or enabled[:1]
                pairs.extend((control.name, value) for value, _, _ in chosen)
        return pairs

    def data(self, submitter: str | None = None) -> dict[str, list[str]]:
        """`submission()` as the test client takes it: each name with its list of values."""
        data: dict[str, list[str]] = {}
        for name, value in self.submission(submitter):
            data.setdefault(name, []).append(value)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._disabled_fieldsets = 0
        self._fieldsets: list[bool] = []
        self._text_of: Control | None = None  # the textarea, button or option reading its text
        self._select: Control | None = None
        self._option: list | None = None

    def _disabled(self, attrs: dict) -> bool:
        return "disabled" in attrs or self._disabled_fieldsets > 0

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self._form = Form(attrs=attrs)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "fieldset":
            disabled = "disabled" in attrs
            self._fieldsets.append(disabled)
            self._disabled_fieldsets += disabled
        elif tag == "input":
            input_type = (attrs.get("type") or "text").lower()
            default = "on" if input_type in ("checkbox", "radio") else ""
            self._form.controls.append(
                Control(
                    kind="input",
                    name=attrs.get("name", ""),
                    type=input_type,
                    value=attrs.get("value", default),
                    checked="checked" in attrs,
                    disabled=self._disabled(attrs),
                )
            )
        elif tag == "textarea":
            self._text_of = Control(
                kind="textarea", name=attrs.get("name", ""), disabled=self._disabled(attrs)
            )
            self._form.controls.append(self._text_of)
        elif tag == "button":
            button_type = (attrs.get("type") or "submit").lower()
            self._text_of = Control(
                kind="button",
                name=attrs.get("name", ""),
                type=button_type if button_type in BUTTON_TYPES else "submit",
                value=attrs.get("value", ""),
                disabled=self._disabled(attrs),
            )
            self._form.controls.append(self._text_of)
        elif tag == "select":
            self._select = Control(
                kind="select",
                name=attrs.get("name", ""),
                multiple="multiple" in attrs,
                disabled=self._disabled(attrs),
            )
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()  # an option's end tag may be left out
            self._option = [attrs.get("value"), "selected" in attrs, "disabled" in attrs, ""]
            self._select.options.append(self._option)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("input",):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._option is not None:
            self._option[3] += data
        elif self._text_of is not None:
            self._text_of.text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
            self._fieldsets.clear()
            self._disabled_fieldsets = 0
        elif tag == "fieldset" and self._fieldsets:
            self._disabled_fieldsets -= self._fieldsets.pop()
        elif tag in ("textarea", "button"):
            if self._text_of is not None and tag == "button":
                self._text_of.text = " ".join(self._text_of.text.split())
            self._text_of = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            if self._select is not None:
                self._select.options = [(v, s, d) for v, s, d, *_ in self._select.options]
            self._select = None

    def _close_option(self):
        if self._option is not None and self._option[0] is None:
            self._option[0] = " ".join(self._option[3].split())
        self._option = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_in(html: str, *, containing: str) -> Form:
    """The one form on the page with a control named `containing`."""
    found = [f for f in forms_in(html) if containing in f.names()]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} forms with a control named {containing!r}")
    return found[0]
