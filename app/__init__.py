"""orderdesk business layer: services, rules, formats and the CLI. No Qt here."""

__version__ = "0.1.0"
