"""The engine's error messages: English text from templates that the zh-hans catalogue translates.

The engine imports nothing from Django; it marks each template with its own `gettext_noop` so
`makemessages` extracts it, and `products.engine_adapter.localized` says it in the user's language.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest
from django.utils import translation

from products import engine_adapter
from products.engine import EngineValidationError, Message, build_schedule
from products.engine.errors import ErrorCollector

ENGINE = Path(__file__).resolve().parents[2] / "products" / "engine"


def engine_templates() -> list[str]:
    """The string arguments of every gettext_noop(...) call in the engine (as makemessages sees them,
    implicitly concatenated literals joined)."""
    found = set()
    for source in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "gettext_noop":
                (argument,) = node.args
                assert isinstance(argument, ast.Constant), f"{source.name}:{node.lineno}"
                found.add(argument.value)
    return sorted(found)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_the_engine_marks_its_messages() -> None:
    # Every refusal in the engine goes through a marked template (a plain f-string would be missed).
    sources = "".join(f.read_text() for f in ENGINE.glob("*.py"))
    assert not re.search(r'errors\.add\([^)]*\bf"', sources)
    assert len(engine_templates()) >= 45


@pytest.mark.parametrize("template", engine_templates())
def test_every_engine_message_has_a_chinese_translation_with_the_same_placeholders(template: str) -> None:
    with translation.override("zh-hans"):
        chinese = translation.gettext(template)
    assert chinese != template
    assert placeholders(chinese) == placeholders(template)


def test_messages_are_english_strings_that_keep_their_template() -> None:
    errors = ErrorCollector()
    errors.add("term", "must be between {minimum} and {maximum}", minimum=1, maximum=1200)
    errors.add(
        "unit", "unknown {field} {value}; expected one of: {allowed}", field="unit", value="'x'", allowed="a"
    )
    (message,) = errors.errors["term"]
    assert message == "must be between 1 and 1200"
    assert isinstance(message, Message)
    assert (message.template, message.params) == (
        "must be between {minimum} and {maximum}",
        {"minimum": 1, "maximum": 1200},
    )
    assert errors.errors["unit"] == ["unknown unit 'x'; expected one of: a"]


def test_localized_says_engine_errors_in_the_active_language() -> None:
    with pytest.raises(EngineValidationError) as raised:
        build_schedule(
            principal="100",
            annual_rate="0.05",
            term=0,
            frequency="monthly",
            method="annuity",
            start_date=None,
        )
    with translation.override("zh-hans"):
        chinese = engine_adapter.localized(raised.value.errors)
    assert chinese["term"] == ["须在 1 与 1200 之间"]
    assert chinese["start_date"] == ["须为日期（YYYY-MM-DD），不能是日期时间或文本"]
    with translation.override("en"):
        assert engine_adapter.localized(raised.value.errors)["term"] == ["must be between 1 and 1200"]
    assert engine_adapter.localized({"x": ["plain text"]}) == {"x": ["plain text"]}
