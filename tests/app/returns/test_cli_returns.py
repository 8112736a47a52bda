"""``orderdesk returns …`` and ``orderdesk cases claim | act`` as an agent or a job runs them."""

import json

from app.cli import main
from tests import factories as f


def _delivered(db_url) -> int:
    from app.database import open_database

    database = open_database(db_url)
    with database.unit_of_work() as uow:
        s = uow.session
        product = f.product(s, sku="MUG-1")
        wh = f.warehouse(s)
        order = f.order(s, f.customer(s), status="delivered", lines=[(product, 2)])
        f.card_payment(s, order)
        f.shipment(s, order, wh, status="delivered")
        uow.commit()
        order_id = order.id
    database.dispose()
    return order_id


def test_a_return_is_booked_received_and_inspected_from_the_command_line(
    db_url, staff_login, capsys
):
    order_id = _delivered(db_url)
    order = f"SO-{order_id:06d}"
    assert main(["returns", "book", order, "--reason", "defective", "--line", "MUG-1=2",
                 "--db", db_url, "--json"]) == 0  # fmt: skip
    number = json.loads(capsys.readouterr().out)["return"]
    assert main(["returns", "receive", number, "--db", db_url]) == 0
    assert main(["returns", "inspect", number, "--damaged", "mug-1=1", "--db", db_url]) == 0
    assert "refund RF-" in capsys.readouterr().out
    assert main(["returns", "list", "--db", db_url, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["status"], row["lines"][0]["resellable"], row["lines"][0]["written_off"]) == (
        "inspected", 1, 1,
    )  # fmt: skip


def test_a_fee_above_the_policy_is_refused_with_one_line(db_url, staff_login, capsys):
    order = f"SO-{_delivered(db_url):06d}"
    assert main(["returns", "book", order, "--reason", "damaged", "--fee", "1.00",
                 "--db", db_url]) != 0  # fmt: skip
    assert "more than the policy allows" in capsys.readouterr().err


def test_a_claim_and_a_reship_from_the_command_line(db_url, staff_login, capsys):
    order = f"SO-{_delivered(db_url):06d}"
    notice = "2026-11-27T18:00:00+00:00"
    assert main(["cases", "claim", "a-to-z", order, "--reference", "AZ-1",
                 "--started", notice, "--db", db_url, "--json"]) == 0  # fmt: skip
    case = json.loads(capsys.readouterr().out)["case"]
    assert main(["cases", "list", "--db", db_url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert (listed["claim_kind"], listed["claim_due_at"][:16]) == ("a_to_z", "2026-11-30T18:00")
    assert main(["cases", "act", case, "resolve", "--resolution", "reship",
                 "--db", db_url]) == 0  # fmt: skip
    assert "done" in capsys.readouterr().out
