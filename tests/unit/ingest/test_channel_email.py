"""The email adapter: MIME decoding, threading, quotes and signatures, and hostile input."""

from __future__ import annotations

import email
import sysconfig
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.channels import parse_email
from services.ingest.interactions.schemas import InteractionCreate
from shared import BadRequest, PayloadTooLarge, ProblemError, UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "email"


def fixture(name: str) -> InteractionCreate:
    return parse_email((FIXTURES / name).read_bytes())


def mail(body: str, *, content_type: str = "text/plain; charset=utf-8", **headers: str) -> bytes:
    fields = {
        "From": "Kim Kunde <kim@example.de>",
        "To": "service@example.com",
        "Subject": "Test",
        "Date": "Mon, 6 Oct 2025 10:00:00 +0200",
        "Message-ID": "<test-1@example.de>",
        **{k.replace("_", "-"): v for k, v in headers.items()},
    }
    head = "".join(f"{k}: {v}\n" for k, v in fields.items() if v)
    return f"{head}MIME-Version: 1.0\nContent-Type: {content_type}\n\n{body}".encode()


def corpus_messages() -> list[Path]:
    """CPython's own email test corpus (real-world and pathological MIME)."""
    candidates = [
        Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data",
        Path(email.__file__).parents[1] / "test" / "test_email" / "data",
    ]
    for directory in candidates:
        found = sorted(directory.glob("msg_*.txt"))
        if found:
            return found
    return []


# --- decoding -------------------------------------------------------------------------------


def test_multipart_alternative_prefers_the_plain_part_and_decodes_quoted_printable() -> None:
    item = fixture("gmail_reply_multipart_de.eml")
    assert item.channel == "email"
    assert item.visibility == "private"
    assert item.metadata["body_content_type"] == "text/plain"
    assert "doppelt abgebucht (2x 84,00 €)" in item.text


def test_rfc2047_encoded_subject_and_sender_name_are_decoded() -> None:
    item = fixture("gmail_reply_multipart_de.eml")
    assert item.subject == "Re: Ihre Abschlagszahlung für Oktober – Kundennummer 4711"
    assert item.author.name == "Jana Bäcker"
    assert item.author.email == "jana.becker@example.de"


def test_html_only_base64_mail_becomes_text_without_scripts_or_styles() -> None:
    item = fixture("html_only_base64.eml")
    assert item.metadata["body_content_type"] == "text/html"
    assert "error 500" in item.text
    assert "£42.99" in item.text
    assert "alert" not in item.text and "color:red" not in item.text and "ignored" not in item.text
    assert item.signature == "Kind regards,\nThomas Wright"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("latin1_8bit.eml", "das Paket kam heute völlig beschädigt an"),
        ("windows1252_qp.eml", "19,99 € statt 9,99 € – bitte korrigieren Sie das."),
        ("iso8859_15_8bit.eml", "Der Preis von 15 € ist zu hoch"),
        ("unknown_charset.eml", "Grüße aus Köln"),
        ("mislabelled_utf8.eml", "Schöne Grüße aus München"),
    ],
)
def test_non_utf8_unknown_and_mislabelled_charsets_decode_to_readable_text(
    name: str, expected: str
) -> None:
    assert expected in fixture(name).text


def test_encoded_headers_in_legacy_charsets_are_decoded() -> None:
    assert fixture("latin1_8bit.eml").author.name == "Jürgen Müller"
    assert fixture("windows1252_qp.eml").subject == "Rechnung „falsch“"


def test_attachments_are_kept_as_metadata_only() -> None:
    item = fixture("outlook_reply_de_attachment.eml")
    [attachment] = item.attachments
    assert attachment.name == "Rechnung_2025-09.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == 125
    assert attachment.sha256 is not None and len(attachment.sha256) == 64
    assert "%PDF" not in str(item.raw)


def test_a_forwarded_message_attachment_is_listed_under_its_subject() -> None:
    inner = mail("inner body", Subject="Alte Rechnung", Message_ID="<inner@example.de>").decode()
    raw = mail(
        f"--b\nContent-Type: text/plain\n\nSiehe Anhang.\n--b\n"
        f"Content-Type: message/rfc822\n\n{inner}\n--b--\n",
        content_type='multipart/mixed; boundary="b"',
    )
    item = parse_email(raw)
    assert item.text == "Siehe Anhang."
    [attachment] = item.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.name == "Alte Rechnung.eml"


# --- threading and identity -----------------------------------------------------------------


def test_threading_uses_message_id_in_reply_to_and_the_first_reference() -> None:
    item = fixture("gmail_reply_multipart_de.eml")
    assert item.external_id == "<CAH2w3e4r5t6y7u8i9o0p@mail.gmail.com>"
    assert item.in_reply_to == "<CAK9x8y7z6@mail.gmail.com>"
    assert item.thread_key == "<CAF7a1b2c3d4e5f6@mail.stadtwerke-beispiel.de>"


def test_thread_key_falls_back_to_in_reply_to_then_to_the_own_message_id() -> None:
    reply = parse_email(mail("Hallo", In_Reply_To="<parent@example.com>"))
    assert reply.thread_key == "<parent@example.com>"
    fresh = parse_email(mail("Hallo"))
    assert fresh.thread_key == fresh.external_id == "<test-1@example.de>"


def test_a_message_without_message_id_gets_a_stable_content_hash_as_external_id() -> None:
    raw = mail("Hallo", Message_ID="")
    first, second = parse_email(raw), parse_email(raw)
    other = parse_email(mail("Hallo!", Message_ID=""))
    assert first.external_id is not None and first.external_id.startswith("sha256:")
    assert first.external_id == second.external_id != other.external_id


def test_occurred_at_comes_from_the_date_header_and_is_timezone_aware() -> None:
    item = fixture("outlook_reply_de_attachment.eml")
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-07T14:44:08+00:00"


def test_a_missing_date_falls_back_to_received_then_to_now_and_says_so() -> None:
    received = parse_email(
        mail("x", Date="", Received="from a by b; Tue, 7 Oct 2025 16:44:10 +0200")
    )
    assert received.occurred_at is not None
    assert received.occurred_at.isoformat() == "2025-10-07T16:44:10+02:00"
    undated = parse_email(mail("x", Date=""))
    assert undated.occurred_at is not None and undated.occurred_at.tzinfo is not None
    assert undated.metadata["date_missing"] is True


def test_auto_replies_are_flagged() -> None:
    item = parse_email(mail("Ich bin im Urlaub.", Auto_Submitted="auto-replied"))
    assert item.metadata["auto_submitted"] is True


def test_raw_keeps_headers_and_text_for_audit() -> None:
    item = fixture("gmail_reply_multipart_de.eml")
    assert isinstance(item.raw, dict)
    assert item.raw["headers"]["Message-ID"] == "<CAH2w3e4r5t6y7u8i9o0p@mail.gmail.com>"
    assert "Kontoauszug" in item.raw["text"]


# --- quotes and signatures ------------------------------------------------------------------


def test_gmail_german_attribution_and_quote_lines_move_to_quoted_text() -> None:
    item = fixture("gmail_reply_multipart_de.eml")
    assert item.quoted_text is not None
    assert item.quoted_text.startswith("Am Mo., 6. Okt. 2025 um 10:12 Uhr schrieb")
    assert "Kontoauszug" in item.quoted_text
    assert "Kontoauszug" not in item.text
    assert item.signature == "Viele Grüße\nJana Bäcker"


def test_outlook_ursprungliche_nachricht_block_and_closing_are_split_off() -> None:
    item = fixture("outlook_reply_de_attachment.eml")
    assert item.text == (
        "Hallo Herr Yilmaz,\n\nanbei die gewünschte Rechnungskopie. Die Kündigung zum 31.12. "
        "möchte ich hiermit bestätigen."
    )
    assert item.quoted_text is not None
    assert item.quoted_text.startswith("-----Ursprüngliche Nachricht-----\nVon: Kundenservice")
    assert item.signature is not None
    assert item.signature.startswith("Mit freundlichen Grüßen\n\nStefan Krüger")


def test_english_on_wrote_quote_and_dash_dash_signature_are_split_off() -> None:
    item = fixture("english_reply_signature.eml")
    assert item.text == "Hi,\n\nThe refund still hasn't arrived. It's been 14 days now."
    assert item.signature == "Best regards,\nTom\n--\nTom Baker | Operations Lead\nACME Ltd."
    assert item.quoted_text is not None and item.quoted_text.startswith("On Mon, Oct 6, 2025")


def test_outlook_header_block_without_separator_text_and_mobile_footer_are_split_off() -> None:
    item = fixture("outlook_header_block_iphone.eml")
    assert item.text == "Passt mir gut, danke!"
    assert item.signature == "Cheers,\nMaria\n\nVon meinem iPhone gesendet"
    assert item.quoted_text is not None and "Wir schlagen Donnerstag" in item.quoted_text


def test_sent_from_my_iphone_is_a_signature() -> None:
    item = fixture("sent_from_iphone.eml")
    assert item.text == "Seit heute früh haben wir keinen Strom in der Hauptstraße 12."
    assert item.signature == "Sent from my iPhone"


@pytest.mark.parametrize(
    "closing", ["MfG", "Mit freundlichen Grüßen", "Beste Grüße", "Regards", "Kind regards"]
)
def test_common_closings_start_the_signature(closing: str) -> None:
    item = parse_email(mail(f"Bitte rufen Sie mich zurück.\n\n{closing}\nKim"))
    assert item.text == "Bitte rufen Sie mich zurück."
    assert item.signature == f"{closing}\nKim"


def test_interleaved_quote_lines_are_removed_but_the_answers_stay() -> None:
    body = "> Wann passt es Ihnen?\nMorgen um 10.\n> Welche Nummer?\n0171 1234567\n"
    item = parse_email(mail(body))
    assert item.text == "Morgen um 10.\n0171 1234567"
    assert item.quoted_text == "> Wann passt es Ihnen?\n> Welche Nummer?"


def test_a_sentence_mentioning_writing_is_not_mistaken_for_a_quote_header() -> None:
    body = "Am Montag schrieb ich Ihnen bereits:\nder Zähler ist defekt.\n"
    item = parse_email(mail(body))
    assert item.quoted_text is None
    assert "der Zähler ist defekt." in item.text


def test_gmail_html_blockquotes_become_quoted_text_in_html_only_mail() -> None:
    html = (
        "<div>Danke, das hilft!</div><div class='gmail_quote'><div class='gmail_attr'>"
        "Am Di., 7. Okt. 2025 um 09:00 Uhr schrieb Service &lt;s@example.com&gt;:</div>"
        "<blockquote class='gmail_quote'>Bitte starten Sie den Router neu.</blockquote></div>"
    )
    item = parse_email(mail(html, content_type="text/html; charset=utf-8"))
    assert item.text == "Danke, das hilft!"
    assert item.quoted_text is not None
    assert "> Bitte starten Sie den Router neu." in item.quoted_text


def test_a_bare_forward_keeps_the_forwarded_text_as_the_text() -> None:
    body = "---------- Forwarded message ---------\nFrom: A <a@example.com>\n\nDer Inhalt.\n"
    item = parse_email(mail(body))
    assert "Der Inhalt." in item.text
    assert item.quoted_text is None


# --- hostile input --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \r\n\r\n  "])
def test_an_empty_message_is_a_bad_request(raw: bytes) -> None:
    with pytest.raises(BadRequest, match="empty"):
        parse_email(raw)


def test_text_without_headers_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="no RFC 5322 headers"):
        parse_email(b"Hallo, das ist keine E-Mail.\nNur Text.\n")


def test_binary_garbage_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse_email(bytes(range(256)) * 8)


def test_an_oversized_message_is_refused_before_parsing() -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        parse_email(mail("x" * 2000), max_bytes=1000)
    assert caught.value.status == 413


def test_a_message_with_thousands_of_mime_parts_is_refused_quickly() -> None:
    parts = "".join("--b\nContent-Type: application/octet-stream\n\nabc\n" for _ in range(1500))
    with pytest.raises(UnprocessableEntity, match="MIME parts"):
        parse_email(mail(f"{parts}--b--\n", content_type='multipart/mixed; boundary="b"'))


def test_deeply_nested_html_is_converted_in_bounded_time() -> None:
    started = time.perf_counter()
    item = parse_email(mail("<div>" * 100_000 + "Hilfe", content_type="text/html"))
    assert item.text == "Hilfe"
    assert time.perf_counter() - started < 2


def test_an_overlong_subject_and_body_are_clipped_to_the_schema_limits() -> None:
    item = parse_email(mail("a " * 150_000, Subject="S" * 5000))
    assert item.subject is not None and len(item.subject) == 2000
    assert 199_000 < len(item.text) <= 200_000
    assert item.metadata["text_truncated"] is True


@pytest.mark.parametrize("path", corpus_messages(), ids=lambda p: p.name)
def test_every_message_of_the_cpython_email_corpus_parses_or_is_a_4xx(path: Path) -> None:
    try:
        item = parse_email(path.read_bytes())
    except ProblemError as exc:
        assert 400 <= exc.status < 500
    else:
        assert isinstance(item, InteractionCreate)
        assert item.occurred_at is not None and item.occurred_at.tzinfo is not None


def test_the_cpython_email_corpus_is_available() -> None:
    if not corpus_messages():
        pytest.skip("this Python build ships without test/test_email/data")
    assert len(corpus_messages()) > 40


def assert_parses_or_4xx(raw: bytes) -> None:
    try:
        item = parse_email(raw)
    except ProblemError as exc:
        assert 400 <= exc.status < 500
    else:
        assert isinstance(item, InteractionCreate)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash_the_email_parser(raw: bytes) -> None:
    assert_parses_or_4xx(raw)


_HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "References",
        "In-Reply-To",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
    ]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_HEADER_NAMES, st.text(max_size=80)), min_size=1, max_size=8),
    st.text(max_size=500),
)
def test_random_headers_and_bodies_never_crash_the_email_parser(
    headers: list[tuple[str, str]], body: str
) -> None:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    assert_parses_or_4xx(f"{head}\n{body}".encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(FIXTURES.glob("*.eml"))),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=8)), max_size=6),
)
def test_corrupted_fixture_messages_never_crash_the_email_parser(
    path: Path, edits: list[tuple[int, bytes]]
) -> None:
    raw = bytearray(path.read_bytes())
    for position, junk in edits:
        at = position % (len(raw) + 1)
        raw[at : at + len(junk)] = junk
    assert_parses_or_4xx(bytes(raw))
