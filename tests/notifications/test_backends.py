"""The console SMS backend writes to standard output, which log collectors keep: no full number."""

from notifications.backends import ConsoleSmsBackend


def test_console_sms_masks_the_recipient(capsys):
    ConsoleSmsBackend().send(to="13812345678", body="Your code is 123456")
    out = capsys.readouterr().out
    assert "13812345678" not in out
    assert "SMS to: 138****5678" in out
    assert "Your code is 123456" in out


def test_console_sms_masks_a_number_with_country_code_and_short_ones(capsys):
    ConsoleSmsBackend().send(to="+86 138-1234-5678", body="x")
    ConsoleSmsBackend().send(to="0086 13812345678", body="z")
    ConsoleSmsBackend().send(to="12345", body="y")
    out = capsys.readouterr().out
    assert "1234-5678" not in out
    assert "12345678" not in out
    assert "SMS to: 138****5678" in out
    assert out.count("SMS to: 138****5678") == 2
    assert "SMS to: *****" in out


def test_an_email_carries_its_delivery_key_as_the_message_id(mailoutbox, settings):
    from notifications.backends import send_email

    settings.LOANHUB_MESSAGE_ID_DOMAIN = "bank.example"
    send_email(to="a@example.com", subject="s", body="b", key="loanhub-message-7")
    send_email(to="a@example.com", subject="s", body="b", key="loanhub-message-7")
    ids = [mail.extra_headers["Message-ID"] for mail in mailoutbox]
    assert ids == ["<loanhub-message-7@bank.example>"] * 2
    assert mailoutbox[0].message()["Message-ID"] == "<loanhub-message-7@bank.example>"
