"""Login tokens for the command line: ``orderdesk login`` once, then unattended runs act
as that staff user until the token expires or is revoked (``orderdesk logout``)."""
