"""Notifications: message templates (zh-hans, en), channels (e-mail, SMS, portal inbox),
per-user preferences and quiet hours, and the sent-message log.

Business apps call `notifications.services.message_send(...)`; this app knows none of them. Every
message carries a dedupe key that the database keeps unique, so a retried task or a repeated call
sends nothing twice. Delivery is a Celery task on the `notifications` queue, enqueued on commit;
messages that fall in the recipient's quiet hours are held and released by a beat task.
"""
