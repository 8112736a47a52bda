"""The outbox: every message to a customer is kept with its order or case; when SMTP is set
up the desk sends it, and a message that fails stays with the reason and is tried again."""
