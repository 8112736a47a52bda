"""The Routing tab of the Stock desk, for supervisors: which warehouses may ship a product
category, and which warehouse a destination country prefers — the rules allocation reads.

A category's last warehouse cannot be removed (the service refuses with the reason, shown
here); a category with no rule ships from the warehouses whose own category list has it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import _
from app.picking.routing import (
    CategoryRoute,
    RoutingRuleRow,
    add_routing_rule,
    category_routes,
    remove_routing_rule,
    routing_rules,
)
from app.stock import queries
from ui.desk_screen import DeskContext
from ui.errors import error_text
from ui.screens.stock_setup import button, form_rows, named, spin
from ui.style import BAD, GOOD, INFO, SPACE_M
from ui.widgets.display import tone_label
from ui.widgets.simple_table import fill_table, say, simple_table

CATEGORY = "category"
COUNTRY = "country"


def kind_text(kind: str) -> str:
    return _("Category → may ship from") if kind == CATEGORY else _("Country → prefers")


class RoutingPanel(QWidget):
    """Rules listed, added and removed; the categories' routes beside them."""

    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._actor = context.actor
        self.rules: list[RoutingRuleRow] = []
        self.routes: list[CategoryRoute] = []
        self._build()
        self.load()

    def _read(self, read, *args):
        return self._context.database.read(read, *args)

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, SPACE_M, 0, 0)

        rules_box = QGroupBox(_("Routing rules"))
        rules_layout = QVBoxLayout(rules_box)
        self.rules_table = simple_table(
            "routingRules", [_("Rule"), _("Category or country"), _("Warehouse"), _("Rank")],
            (190, 170, 90, 50),
        )  # fmt: skip
        rules_layout.addWidget(self.rules_table, 1)
        self.remove_button = button(
            _("Remove the selected rule"), "removeRoutingRule", self.remove_selected
        )
        rules_layout.addWidget(self.remove_button)

        add_box = QGroupBox(_("Add a rule"))
        self.kind_combo = named(QComboBox(), "routingKind")
        for kind in (CATEGORY, COUNTRY):
            self.kind_combo.addItem(kind_text(kind), kind)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.key_combo = named(QComboBox(), "routingKey")
        self.key_combo.setEditable(True)
        self.warehouse_combo = named(QComboBox(), "routingWarehouse")
        self.rank_spin = spin("routingRank", 0, 99)
        self.rank_spin.setToolTip(_("For a country: 0 is tried first, then 1, …"))
        self.add_button = button(_("Add rule"), "addRoutingRule", self.add_rule)
        self.key_label = QLabel()
        form_rows(
            add_box,
            (_("Rule"), self.kind_combo),
            (self.key_label, self.key_combo),
            (_("Warehouse"), self.warehouse_combo),
            (_("Rank"), self.rank_spin),
            self.add_button,
        )
        self.message = tone_label("routingMessage", INFO)
        self.message.setWordWrap(True)

        routes_box = QGroupBox(_("Where each category ships from"))
        routes_layout = QVBoxLayout(routes_box)
        self.routes_table = simple_table(
            "categoryRoutes", [_("Category"), _("Warehouses"), _("Decided by")], (110, 120, 130)
        )
        for table in (self.rules_table, self.routes_table):
            table.horizontalHeader().setStretchLastSection(True)  # the words, never "…"
        routes_layout.addWidget(self.routes_table, 1)

        left = QVBoxLayout()
        left.addWidget(add_box)
        left.addWidget(self.message)
        left.addWidget(routes_box, 1)
        outer.addWidget(rules_box, 5)
        outer.addLayout(left, 4)
        self._kind_changed()

    def _kind_changed(self) -> None:
        country = self.kind_combo.currentData() == COUNTRY
        self.key_label.setText(_("Country (2 letters)") if country else _("Category"))
        self.rank_spin.setEnabled(country)
        self._fill_keys()

    def _fill_keys(self) -> None:
        self.key_combo.clear()
        if self.kind_combo.currentData() == CATEGORY:
            self.key_combo.addItems([r.category for r in self.routes])
        self.key_combo.setCurrentText("")

    def load(self) -> None:
        self.rules = self._read(routing_rules)
        self.routes = self._read(category_routes)
        fill_table(
            self.rules_table,
            [(kind_text(r.kind), r.key, r.warehouse, r.rank) for r in self.rules],
            right=(3,),
        )
        fill_table(
            self.routes_table,
            [
                (
                    r.category,
                    ", ".join(r.warehouses) or _("every warehouse"),
                    _("a rule") if r.by_rule else _("warehouse setup"),
                )
                for r in self.routes
            ],
        )
        chosen = self.warehouse_combo.currentData()
        self.warehouse_combo.clear()
        for _id, code, name in self._read(queries.warehouses):
            self.warehouse_combo.addItem(f"{code} · {name}", code)
        if chosen:
            self.warehouse_combo.setCurrentIndex(max(0, self.warehouse_combo.findData(chosen)))
        self._fill_keys()

    def add_rule(self) -> None:
        kind = self.kind_combo.currentData()
        self._change(
            lambda uow: add_routing_rule(
                uow,
                self._actor,
                kind,
                self.key_combo.currentText(),
                self.warehouse_combo.currentData() or "",
                self.rank_spin.value() if kind == COUNTRY else 0,
            ),
            _("Added: {rule} {key} → {warehouse}."),
        )

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.rules_table.selectedIndexes()})
        if not rows:
            say(self.message, INFO, _("Select a rule in the list first."))
            return
        rule = self.rules[rows[0]]
        self._change(
            lambda uow: remove_routing_rule(uow, self._actor, rule.rule_id) or rule,
            _("Removed: {rule} {key} → {warehouse}."),
        )

    def _change(self, work, said: str) -> None:
        """Run one rule change; say what it did (``said`` with the rule's words) or why not."""
        try:
            rule = work(self._context.database.unit_of_work())
        except OrderdeskError as error:
            say(self.message, BAD, error_text(error))
            return
        self.load()
        say(
            self.message,
            GOOD,
            said.format(rule=kind_text(rule.kind), key=rule.key, warehouse=rule.warehouse),
        )
