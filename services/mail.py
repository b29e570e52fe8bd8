"""Customer e-mails: composed in the customer's language (uk, en), plain text + HTML, and delivered over SMTP
(`CALENDARY_SMTP_*`) or, with no SMTP host configured, written as `.eml` files under `CALENDARY_OUTBOX_DIR` so
nothing leaves the machine and a developer can open them."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from pathlib import Path

from contracts.messages import NotificationKind
from settings import Settings

LANGUAGES = ("uk", "en")

_TEXT: dict[str, dict[NotificationKind, tuple[str, str, str]]] = {  # subject, body, button
    "uk": {
        NotificationKind.variants_ready: (
            "Ваші {count} варіантів готові",
            "Усі {count} варіантів вашого календаря «{theme}» готові. Оберіть 12 до {deadline}.",
            "Обрати варіанти"),
        NotificationKind.expiry_reminder: (
            "Нагадування: оберіть варіанти до {deadline}",
            "Ви ще не обрали 12 варіантів для календаря «{theme}». Після {deadline} їх буде видалено.",
            "Обрати варіанти"),
        NotificationKind.calendar_ready: (
            "Ваш календар готовий",
            "Ваш календар «{theme}» готовий: перегляньте сторінки та завантажте PDF для друку.",
            "Переглянути календар"),
    },
    "en": {
        NotificationKind.variants_ready: (
            "Your {count} variants are ready",
            "All {count} variants of your \u201c{theme}\u201d calendar are ready. Choose 12 by {deadline}.",
            "Choose variants"),
        NotificationKind.expiry_reminder: (
            "Reminder: choose your variants by {deadline}",
            ("You have not chosen 12 variants for your \u201c{theme}\u201d calendar yet. They are deleted after "
             "{deadline}."),
            "Choose variants"),
        NotificationKind.calendar_ready: (
            "Your calendar is ready",
            "Your \u201c{theme}\u201d calendar is ready: look through its pages and download the print-ready PDF.",
            "Open the calendar"),
    },
}
_FOOTER = {"uk": "Ви отримали цей лист, бо створюєте календар у Calendary.",
           "en": "You receive this because you are making a calendar with Calendary."}


@dataclass(frozen=True)
class MailFacts:
    to: str
    language: str
    kind: NotificationKind
    theme: str
    link: str
    count: int = 24
    deadline: datetime | None = None


class AccountMail(StrEnum):
    password_reset = "password_reset"
    signup_confirmation = "signup_confirmation"  # a new e-mail signed up: confirm it to sign in
    signup_attempt = "signup_attempt"  # someone signed up with an e-mail that has an account: its owner is told


_ACCOUNT_TEXT: dict[str, dict[AccountMail, tuple[str, str, str]]] = {  # subject, body, button
    "uk": {
        AccountMail.password_reset: (
            "Відновлення пароля",
            ("Щоб задати новий пароль, відкрийте посилання протягом години. Якщо ви не просили змінити пароль, "
             "нічого не робіть."),
            "Задати новий пароль"),
        AccountMail.signup_confirmation: (
            "Підтвердьте e-mail",
            ("Щоб завершити реєстрацію в Calendary, відкрийте посилання протягом двох діб. Якщо ви не "
             "реєструвалися, нічого не робіть: без підтвердження обліковий запис не працює."),
            "Підтвердити e-mail"),
        AccountMail.signup_attempt: (
            "Спроба реєстрації з вашою адресою",
            ("Хтось (можливо, ви) намагався зареєструватися в Calendary з цією адресою, але обліковий запис для неї "
             "вже є. Увійдіть зі своїм паролем або, якщо забули його, задайте новий. Якщо це були не ви, нічого не "
             "робіть: ваш обліковий запис не змінено."),
            "Відновити пароль"),
    },
    "en": {
        AccountMail.password_reset: (
            "Reset your password",
            "To set a new password, open the link within an hour. If you did not ask for this, do nothing.",
            "Set a new password"),
        AccountMail.signup_confirmation: (
            "Confirm your e-mail",
            ("To finish signing up for Calendary, open the link within two days. If you did not sign up, do "
             "nothing: an account that is not confirmed does not work."),
            "Confirm the e-mail"),
        AccountMail.signup_attempt: (
            "Someone tried to sign up with your address",
            ("Someone (maybe you) tried to sign up for Calendary with this address, but it already has an account. "
             "Sign in with your password or, if you forgot it, set a new one. If it was not you, do nothing: your "
             "account has not changed."),
            "Reset the password"),
    },
}


def compose(facts: MailFacts, sender: str) -> EmailMessage:
    language = _language(facts.language)
    subject, body, button = _TEXT[language][facts.kind]
    deadline = f"{facts.deadline:%d.%m.%Y %H:%M} UTC" if facts.deadline else ""
    values = {"count": facts.count, "theme": facts.theme, "deadline": deadline}
    return _message(sender, facts.to, language, subject.format(**values), body.format(**values), button, facts.link)


def compose_account_mail(kind: AccountMail, to: str, language: str, link: str, sender: str) -> EmailMessage:
    language = _language(language)
    subject, body, button = _ACCOUNT_TEXT[language][kind]
    return _message(sender, to, language, subject, body, button, link)


def _language(language: str) -> str:
    return language if language in LANGUAGES else "uk"


def _message(sender: str, to: str, language: str, subject: str, body: str, button: str, link: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="calendary")
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Content-Language"] = language
    message.set_content(f"{body}\n\n{button}: {link}\n\n-- \n{_FOOTER[language]}\n")
    message.add_alternative(
        f'<!doctype html><html lang="{language}"><body>'
        f"<p>{html.escape(body)}</p>"
        f'<p><a href="{html.escape(link, quote=True)}">{html.escape(button)}</a></p>'
        f"<p><small>{html.escape(_FOOTER[language])}</small></p></body></html>", subtype="html")
    return message


async def deliver(message: EmailMessage, settings: Settings) -> str:
    """Send (or file) one message; returns where it went."""
    if not settings.smtp_host:
        folder = settings.outbox_dir
        name = f"{datetime.now():%Y%m%d-%H%M%S}-{str(message['Message-ID']).strip('<>').split('@')[0]}.eml"
        await asyncio.to_thread(_write, folder, name, message.as_bytes())
        return str(folder / name)
    import aiosmtplib

    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    await aiosmtplib.send(
        message, hostname=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_user,
        password=password, use_tls=settings.smtp_tls == "tls", start_tls=settings.smtp_tls == "starttls", timeout=30)
    return f"smtp://{settings.smtp_host}:{settings.smtp_port}"


def _write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
