"""The development mail viewer: site admins read the emails the file-based backend wrote."""

import html
import itertools
import os
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from notifications import devmail
from notifications.compose import EmailKind, compose
from tests.factories import NotificationFactory

FILEBASED = "django.core.mail.backends.filebased.EmailBackend"
LIST = reverse("notifications:dev_mail")
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def text(response) -> str:
    return html.unescape(response.content.decode())


def message_url(name: str, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("notifications:dev_mail_message", args=[name]) + (f"?{query}" if query else "")


def build(subject: str, to: str = "mia@example.org", *, html_body: str = "", attach: bool = False):
    email = EmailMultiAlternatives(
        subject=subject,
        body=f"Plain text of {subject}",
        to=[to],
        headers={
            "Message-ID": f"<{subject.replace(' ', '-')}@practica.test>",
            "List-Unsubscribe": "<http://127.0.0.1:8000/email/unsubscribe/t0ken/>",
        },
    )
    if html_body:
        email.attach_alternative(html_body, "text/html")
    if attach:
        email.attach("meeting.ics", ICS, "text/calendar")
    return email


@pytest.fixture
def mailbox(settings, tmp_path):
    """Emails go to files in a folder of this test's own."""
    settings.EMAIL_BACKEND = FILEBASED
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.EMAIL_FILE_PATH


_sent = itertools.count()


def send(*emails, mtime: float | None = None) -> str:
    """Send through one connection (one file, as the backend does); return the file's name.

    The backend names files by the second and the connection's id(), so two connections
    in one second can share a file; each test file gets a name of its own instead.
    """
    connection = mail.get_connection(FILEBASED)
    connection.send_messages(list(emails))
    path = Path(connection._fname)
    path = path.rename(path.with_name(f"{path.stem}-{next(_sent)}.log"))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path.name


@pytest.fixture
def sent(mailbox):
    """Three files: an old single email, a batch of two, and a newest one with HTML and an attachment."""
    old = send(build("Old invitation"), mtime=1_700_000_000)
    batch = send(
        build("Digest one", "a@example.org"),
        build("Digest two", "b@example.org"),
        mtime=1_700_000_100,
    )
    reminder = send(
        build(
            "Reminder",
            html_body='<p>Meet <b>soon</b></p><script>alert("x")</script>',
            attach=True,
        ),
        mtime=1_700_000_200,
    )
    return {"old": old, "batch": batch, "reminder": reminder}


# Who may see it ---------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, sent):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["outsider", "member", "moderator", "sponsor"])
def test_anyone_but_a_site_admin_gets_404(client, request, sent, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(LIST).status_code == 404
    assert client.get(message_url(sent["reminder"])).status_code == 404
    assert client.get(message_url(sent["reminder"], attachment=1)).status_code == 404


def test_staff_who_are_not_superusers_get_404(client, sent, member):
    member.is_staff = True
    member.save()
    client.force_login(member)

    assert client.get(LIST).status_code == 404


def test_it_does_not_exist_unless_emails_go_to_files(client, settings, site_admin, sent):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(site_admin)

    assert client.get(LIST).status_code == 404
    assert client.get(message_url(sent["reminder"])).status_code == 404


# The list ---------------------------------------------------------------------


def test_the_list_shows_every_message_newest_first(client, site_admin, sent):
    client.force_login(site_admin)

    response = client.get(LIST)

    assert response.status_code == 200
    subjects = [m.subject for m in response.context["page"].object_list]
    assert subjects == ["Reminder", "Digest two", "Digest one", "Old invitation"]
    page = text(response)
    assert "b@example.org" in page
    assert message_url(sent["batch"], m=1) in page


def test_the_list_is_paginated(client, site_admin, mailbox):
    for n in range(30):
        send(build(f"Email {n:02d}"), mtime=1_700_000_000 + n)
    client.force_login(site_admin)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].object_list[0].subject == "Email 29"
    assert [m.subject for m in second.context["page"].object_list][-1] == "Email 00"


def test_an_empty_or_missing_folder_is_an_empty_list(client, site_admin, mailbox):
    client.force_login(site_admin)

    response = client.get(LIST)

    assert response.status_code == 200
    assert "No emails yet" in text(response)


def test_the_admin_menu_links_here_for_site_admins_only(client, site_admin, member, sent, settings):
    client.force_login(site_admin)
    assert f'href="{LIST}"' in client.get(reverse("notifications:list")).content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert f'href="{LIST}"' not in client.get(reverse("notifications:list")).content.decode()

    settings.EMAIL_BACKEND = FILEBASED
    client.force_login(member)
    assert f'href="{LIST}"' not in client.get(reverse("notifications:list")).content.decode()


# One message ------------------------------------------------------------------


def test_a_message_shows_its_headers_and_text(client, site_admin, sent):
    client.force_login(site_admin)

    response = client.get(message_url(sent["reminder"]))

    assert response.status_code == 200
    page = text(response)
    for header in ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe"):
        assert f"<dt>{header}</dt>" in page
    assert "&lt;Reminder@practica.test&gt;" in response.content.decode()
    assert "<http://127.0.0.1:8000/email/unsubscribe/t0ken/>" in page
    assert "Plain text of Reminder" in page


def test_the_html_part_is_escaped_into_a_sandboxed_frame(client, site_admin, sent):
    client.force_login(site_admin)

    response = client.get(message_url(sent["reminder"]))

    content = response.content.decode()
    assert "<iframe sandbox srcdoc=" in content
    # The email's markup never becomes markup of this page.
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    assert "&lt;b&gt;soon&lt;/b&gt;" in content


def test_a_later_message_of_a_batch_opens_by_its_position(client, site_admin, sent):
    client.force_login(site_admin)

    first = client.get(message_url(sent["batch"]))
    second = client.get(message_url(sent["batch"], m=1))

    assert first.context["stored"].subject == "Digest one"
    assert second.context["stored"].subject == "Digest two"
    assert client.get(message_url(sent["batch"], m=2)).status_code == 404
    assert client.get(message_url(sent["batch"], m="-1")).status_code == 404
    assert client.get(message_url(sent["batch"], m="x")).status_code == 404


def test_an_attachment_downloads(client, site_admin, sent):
    client.force_login(site_admin)

    page = client.get(message_url(sent["reminder"]))
    response = client.get(message_url(sent["reminder"], m=0, attachment=1))

    assert 'download="meeting.ics"' in page.content.decode()
    assert response.status_code == 200
    # The backend writes lines ending in \n; SMTP would send them as \r\n.
    assert response.content.splitlines() == ICS.splitlines()
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == 'attachment; filename="meeting.ics"'
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_missing_attachment_is_404(client, site_admin, sent):
    client.force_login(site_admin)

    assert client.get(message_url(sent["reminder"], attachment=2)).status_code == 404
    assert client.get(message_url(sent["old"], attachment=1)).status_code == 404
    assert client.get(message_url(sent["reminder"], attachment="1; rm")).status_code == 404


def test_a_message_without_html_or_attachments_says_so(client, site_admin, sent):
    client.force_login(site_admin)

    response = client.get(message_url(sent["old"]))

    page = text(response)
    assert "This email has no HTML part." in page
    assert "No attachments." in page


def test_a_composed_email_reads_back_whole(client, site_admin, mailbox, member):
    """A real email from notifications.compose.compose, as the reminders and digests send it."""
    email = compose(
        user=member,
        subject="Your digest",
        template="notifications/email/notification",
        context={"notification": NotificationFactory(recipient=member), "link": ""},
        kind=EmailKind.DIGEST,
        message_id="<digest.1@practica.test>",
        why="you asked for a weekly digest",
    )
    email.connection = mail.get_connection(FILEBASED)
    email.send()
    client.force_login(site_admin)
    (path,) = mailbox.iterdir()  # the one file this email was written to
    name = path.name

    response = client.get(message_url(name))

    stored = response.context["stored"]
    assert stored.header("Message-ID") == "<digest.1@practica.test>"
    assert stored.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert stored.header("List-Unsubscribe").startswith("<http")
    assert stored.text and stored.html


# Names from the URL -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["..", ".", "..%2F..%2Fsettings.py", "%2Fetc%2Fpasswd", "missing.log", ".hidden", "a%00b"],
)
def test_a_name_that_is_not_a_file_in_the_folder_is_404(client, site_admin, sent, name):
    client.force_login(site_admin)
    url = reverse("notifications:dev_mail_message", args=["placeholder"]).replace(
        "placeholder", name
    )

    response = client.get(url)

    assert response.status_code == 404


def test_a_file_beside_the_folder_cannot_be_reached(client, site_admin, mailbox, tmp_path):
    send(build("Inside"))
    (tmp_path / "secret.txt").write_text("Subject: secret\n\nsecret body\n")
    client.force_login(site_admin)

    assert devmail.message("../secret.txt", 0) is None
    assert devmail.message("secret.txt", 0) is None
    response = client.get(message_url("..%2Fsecret.txt"))
    assert response.status_code == 404


def test_a_symlink_in_the_folder_is_not_followed(client, site_admin, mailbox, tmp_path):
    send(build("Inside"))
    (tmp_path / "secret.txt").write_text("Subject: secret\n\nsecret body\n")
    (mailbox / "link.log").symlink_to(tmp_path / "secret.txt")
    client.force_login(site_admin)

    assert client.get(message_url("link.log")).status_code == 404
    assert "secret" not in text(client.get(LIST))


def test_a_directory_in_the_folder_is_not_a_message(client, site_admin, mailbox):
    send(build("Inside"))
    (mailbox / "sub.log").mkdir()
    client.force_login(site_admin)

    assert client.get(message_url("sub.log")).status_code == 404
    assert [m.subject for m in client.get(LIST).context["page"].object_list] == ["Inside"]


def test_a_file_that_grows_shows_its_new_message(client, site_admin, mailbox):
    name = send(build("First"))
    other = send(build("Second"))
    client.force_login(site_admin)
    assert len(client.get(LIST).context["page"].object_list) == 2

    # The backend appends when a connection sends again (or a new one reuses the name).
    with open(mailbox / name, "ab") as f:
        f.write((mailbox / other).read_bytes())
    (mailbox / other).unlink()

    subjects = sorted(m.subject for m in client.get(LIST).context["page"].object_list)
    assert subjects == ["First", "Second"]
    assert client.get(message_url(name, m=1)).context["stored"].subject == "Second"
