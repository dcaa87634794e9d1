"""Content-free e-mail to people who chose it, when something new needs them (docs/notifications.md)."""
