"""The PySide6 desks: screens show what app/ queries return and call app/ services."""
