"""The test helper that submits a page's form as a browser would."""

from tests.htmlforms import form_in, forms_in

PAGE = """
<form method="get" action="/search/"><input name="q" value="pods"></form>
<form method="post" action="/edit/">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input type="date" name="iso" value="2027-05-02">
  <input type="date" name="local" value="02/05/2027">
  <input type="time" name="at" value="09:30">
  <input type="time" name="bad_at" value="9.30am">
  <input type="number" name="n" value="12">
  <input type="number" name="bad_n" value="twelve">
  <input name="title" value="Two
lines">
  <input type="checkbox" name="days" value="1" checked>
  <input type="checkbox" name="days" value="3">
  <input type="checkbox" name="flag">
  <input type="radio" name="repeat" value="weekly" checked>
  <input type="radio" name="repeat" value="monthly">
  <input name="off" value="x" disabled>
  <fieldset disabled><input name="in_disabled" value="x"></fieldset>
  <textarea name="body">
First

second</textarea>
  <select name="zone"><option value="UTC">UTC</option><option value="Europe/London">London</option></select>
  <select name="unit"><option value="">Choose</option><option value="2" selected>Radiology</option></select>
  <select name="many" multiple><option selected>a  b</option><option>c</option></select>
  <button type="submit" name="action" value="save">Save</button>
  <button type="submit" name="action" value="archive">Archive</button>
  <button type="button" name="preview">Preview</button>
</form>
"""


def test_the_form_is_found_by_a_control_it_holds():
    assert len(forms_in(PAGE)) == 2
    assert form_in(PAGE, containing="title").action == "/edit/"


def test_it_submits_what_a_browser_submits():
    data = form_in(PAGE, containing="title").data()

    assert data == {
        "csrfmiddlewaretoken": ["t"],
        "iso": ["2027-05-02"],
        "local": [""],
        "at": ["09:30"],
        "bad_at": [""],
        "n": ["12"],
        "bad_n": [""],
        "title": ["Twolines"],
        "days": ["1"],
        "repeat": ["weekly"],
        "body": ["First\r\n\r\nsecond"],
        "zone": ["UTC"],
        "unit": ["2"],
        "many": ["a b"],
        "action": ["save"],
    }


def test_the_clicked_button_is_the_one_submitted():
    assert form_in(PAGE, containing="title").data("Archive")["action"] == ["archive"]
