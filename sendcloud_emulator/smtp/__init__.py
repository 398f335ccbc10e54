"""The SMTP door (smtp.md): a listener inside `serve` that takes mail from SMTP clients and hands
each message to the same send pipeline as mail/send."""
