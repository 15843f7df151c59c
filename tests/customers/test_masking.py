"""Masking of identity and phone numbers, and the logging filter that keeps them out of logs."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings

from customers import services
from customers.logfilters import MaskPersonalDataFilter
from customers.masking import mask_counterparty, mask_id_number, mask_phone, mask_text
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    PDF_BYTES,
    CustomerFactory,
    add_id_card,
    profile_data,
    upload,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("11010519491231002x", "1101**********002X"),
        ("110105 19491231 1234", "1101**********1234"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),  # too short to keep anything
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_text_masks_identity_and_mobile_numbers_and_leaves_other_numbers():
    text = (
        f"id={GB_EXAMPLE_RIC} tel 13812345678, intl +8613912345678; "
        "order 20261130123456789 amount 15000.00 landline 01012345678"
    )
    assert mask_text(text) == (
        "id=1101**********002X tel 138****5678, intl +86139****5678; "
        "order 20261130123456789 amount 15000.00 landline 01012345678"
    )


def test_the_log_filter_masks_message_arguments_and_exception_text(caplog):
    caplog.handler.addFilter(MaskPersonalDataFilter())
    log = logging.getLogger("loanhub.anywhere")
    with caplog.at_level(logging.INFO):
        log.info("customer %s phone %s", GB_EXAMPLE_RIC, "13812345678")
        try:
            raise ValueError(f"bad id {GB_EXAMPLE_RIC}")
        except ValueError:
            log.exception("failed for 13812345678")
    assert GB_EXAMPLE_RIC not in caplog.text
    assert "13812345678" not in caplog.text
    assert "customer 1101**********002X phone 138****5678" in caplog.text
    assert "ValueError: bad id 1101**********002X" in caplog.text
    assert "failed for 138****5678" in caplog.text


def test_settings_wire_the_filter_on_the_console_handler():
    assert settings.LOGGING["filters"]["mask_personal_data"] == {
        "()": "customers.logfilters.MaskPersonalDataFilter"
    }
    assert "mask_personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
    console = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert console, "Django's LOGGING should have installed the console handler"
    assert any(isinstance(f, MaskPersonalDataFilter) for h in console for f in h.filters)


def test_customers_code_never_logs_raw_identity_or_phone(caplog, users, tmp_path):
    """Without the filter: our own log lines carry ids and masked values only."""
    with caplog.at_level(logging.DEBUG):
        customer = services.customer_upsert_for_user(user=users["customer"], data=profile_data())
        services.pii_reveal(customer=customer, field="id_number", actor=users["officer"])
        services.pii_reveal(customer=customer, field="phone", actor=users["officer"])
        add_id_card(customer)
        services.customer_verify_identity(customer=customer, actor=users["officer"], reason="ID card checked")
        services.document_upload(
            customer=customer,
            kind="id_card",
            file=upload(f"id-{GB_EXAMPLE_RIC}.pdf", PDF_BYTES),
            actor=users["customer"],
        )
        other = CustomerFactory()
        services.customer_reject_identity(customer=other, actor=users["officer"], reason="photo unreadable")
    assert caplog.records, "the services should log what they did"
    for raw in (GB_EXAMPLE_RIC, "13812345678", other.id_number, other.phone):
        assert raw not in caplog.text
        for record in caplog.records:
            assert raw not in repr(record.args)


@pytest.mark.parametrize("written", ["138 1234 5678", "138-1234-5678", "13812345678"])
def test_mobile_numbers_are_masked_in_text_however_they_are_written(written):
    from customers.masking import mask_text

    masked = mask_text(f"customer called from {written} about loan 20000")
    assert "1234" not in masked.replace("5678", "")
    assert "138****5678" in masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张明", "张*"),
        ("欧阳小明", "欧***"),
        ("Zhang Ming", "Z**** M***"),
        ("北京示例科技有限公司", "北京示例科技有限公司"),  # an organisation: not personal data
        ("张明 6222021234567890123", "张* ****0123"),
        ("王芳 13812345678", "王* 138****5678"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_counterparty_keeps_a_payer_just_recognisable(value, masked):
    assert mask_counterparty(value) == masked
