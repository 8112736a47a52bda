"""Review: every order checked before the warehouse sees it -- pure rules and decisions
(rules*.py, decide.py, verbs.py), auto-review and desk verbs (auto.py, kit.py, service.py,
exception_desk.py, stock_short.py), reads (queries.py, detail.py), cli.py, bench.py."""
