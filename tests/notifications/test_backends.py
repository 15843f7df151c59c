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
