"""A signed-in customer changes their password (issue 17): the browser they changed it in stays
signed in (Django's update_session_auth_hash gives that session a new key), every other session
and the API token are signed out, the account's history records it, and the customer is told by
e-mail, so a change they did not make does not go unnoticed."""

from __future__ import annotations

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from loanhub import sessions
from loanhub.models import AccountEvent, UserSession

logger = logging.getLogger(__name__)


def customer_password_changed(
    *, user: AbstractBaseUser, old_session_key: str | None, session_key: str | None, language: str
) -> int:
    """After the new password is saved: keep the current session's record under its new key,
    sign out the other sessions and revoke the API token, record the change and send the notice
    (in `language`, the page's, which the customer has just read). Returns how many other
    sessions were signed out."""
    with transaction.atomic():
        if old_session_key and session_key and old_session_key != session_key:
            UserSession.objects.filter(session_key=old_session_key, user=user).update(session_key=session_key)
        ended = sessions.session_end_others(user=user, keep_session_key=session_key)
        AccountEvent.objects.create(
            user=user, kind=AccountEvent.Kind.PASSWORD_CHANGED, actor=user, detail={"sessions_ended": ended}
        )
        transaction.on_commit(lambda: _notify(user, language))
    logger.info("password changed user=%s other_sessions_ended=%s", user.pk, ended)
    return ended


def _notify(user: AbstractBaseUser, language: str) -> None:
    if not user.email:
        return
    with translation.override(language):
        subject = _("LoanHub: your password was changed")
        body = _(
            "The password of your LoanHub account was changed, and every other device and app "
            "signed in to it was signed out. If it was not you, reset your password at once or "
            "call us."
        )
    send_mail(subject, body, None, [user.email], fail_silently=True)
