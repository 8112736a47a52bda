"""``orderdesk review``: the auto review from a terminal, with the agreed --json object."""

from __future__ import annotations

import json

import pytest

from app import cli
from app.bench import run_bench
from db.models import Order
from tests.app.review import builders as b

AGREED = {"reviewed", "approved", "needs_info", "stock_short", "payment_problem", "exception",
          "on_hold"}  # fmt: skip

# These commands act as a named staff user: a signed-in administrator.
pytestmark = pytest.mark.usefixtures("staff_login")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def floor(db) -> dict[str, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=20)
        ids = {
            "good": b.order(s, b.customer(s), [(prod, 1)], channel_order_id="AMZ-1").id,
            "no_phone": b.order(s, b.customer(s, phone=None), [(prod, 1)]).id,
            "short": b.order(s, b.customer(s), [(b.product(s, stock=0), 1)]).id,
            "unpaid": b.order(s, b.customer(s), [(prod, 1)], paid=False).id,
            "banned": b.order(s, b.customer(s, status="banned"), [(prod, 1)]).id,
        }
        uow.commit()
    return ids


def test_review_all_json_is_one_object_with_a_count_per_queue(capsys, db_url, floor):
    code, out, _ = run(capsys, "review", "--all", "--json", "--db", db_url)
    [line] = out.splitlines()
    result = json.loads(line)
    assert code == 0
    assert set(result) >= AGREED
    assert {k: result[k] for k in AGREED} == {
        "reviewed": 5,
        "approved": 1,
        "needs_info": 1,
        "stock_short": 1,
        "payment_problem": 1,
        "exception": 1,
        "on_hold": 0,
    }


def test_review_named_orders_by_number_or_channel_id_in_words(capsys, db_url, db, floor):
    number = f"SO-{floor['no_phone']:06d}"
    code, out, _ = run(capsys, "review", number, "AMZ-1", "--db", db_url)
    assert code == 0
    assert out.startswith("Reviewed 2 orders: 1 approved; 1 needs information, 0 stock short")
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, floor["short"]).status == "received"


def test_review_to_a_person_approves_nothing(capsys, db_url, floor):
    code, out, _ = run(capsys, "review", "--all", "--to-person", "--json", "--db", db_url)
    assert code == 0
    result = json.loads(out)
    assert (result["approved"], result["to_review"]) == (0, 1)


def test_an_order_not_waiting_for_review_is_reported_and_exits_one(capsys, db_url, floor):
    run(capsys, "review", "--all", "--db", db_url)
    code, out, _ = run(capsys, "review", f"SO-{floor['good']:06d}", "--db", db_url)
    assert code == 1
    assert "1 order not reviewed" in out


def test_review_needs_all_or_orders_and_names_unknown_orders(capsys, db_url, floor):
    with pytest.raises(SystemExit):
        cli.main(["review", "--db", db_url])
    capsys.readouterr()
    code, _, err = run(capsys, "review", "SO-999999", "--db", db_url)
    assert code == 2
    assert "No order SO-999999" in err


def test_the_review_bench_reviews_every_filled_order_and_reads_the_queues(db_url):
    results = {r.figure: r for r in run_bench("review", 300, db_url)}
    assert set(results) == {"auto_review", "queue_counts", "queue_first_page", "detail"}
    assert results["auto_review"].n == 300
    assert results["auto_review"].target_seconds == 300 / 5000


def test_review_answers_in_traditional_chinese_when_language_says_zh_tw(
    capsys, db_url, floor, monkeypatch
):
    monkeypatch.setenv("LANGUAGE", "zh_TW")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, _ = run(capsys, "review", "--all", "--db", db_url)
    assert code == 0
    assert (
        out
        == "已審核 5 筆訂單：1 筆核准；1 筆待補資料、1 筆缺貨、1 筆付款問題、1 筆異常和0 筆暫緩。\n"
        "系統已分配 1 筆訂單：1 張出貨單、0 筆分倉出貨和0 筆退回缺貨。\n"
    )


def test_review_json_stays_language_neutral_whatever_the_language(
    capsys, db_url, floor, monkeypatch
):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    code, out, _ = run(capsys, "review", "--all", "--json", "--db", db_url)
    result = json.loads(out)
    assert code == 0
    assert result["needs_info"] == 1 and all(key.isascii() for key in result)


def test_an_error_line_follows_lang_in_simplified_chinese(capsys, db_url, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, _, err = run(capsys, "orders", "list", "--limit", "0", "--db", db_url)
    assert code == 2
    assert err.strip() == "orderdesk: --limit：0 无效；应为至少为 1 的整数。"


def test_review_verbs_lists_what_the_desk_may_do_and_why_not(capsys, db_url, floor):
    run(capsys, "review", "--db", db_url, f"SO-{floor['no_phone']:06d}")
    code, out, _err = run(
        capsys, "review", "--db", db_url, "--verbs", f"SO-{floor['no_phone']:06d}"
    )
    assert code == 0
    assert "needs_info" in out
    assert "request_info" in out
    approve = next(line for line in out.splitlines() if line.strip().startswith("approve "))
    assert "no: blocked:" in approve and "phone" in approve


def test_orders_show_history_names_the_verb_and_the_reason(capsys, db_url, floor):
    from app.database import open_database
    from app.permissions import Role
    from app.review.service import request_information
    from tests.conftest import make_actor

    run(capsys, "review", "--db", db_url, f"SO-{floor['no_phone']:06d}")
    database = open_database(db_url)
    with database.unit_of_work() as uow:
        version = uow.session.get(Order, floor["no_phone"]).version
    request_information(
        database.unit_of_work(),
        make_actor(Role.CUSTOMER_SERVICE),
        floor["no_phone"],
        expected_version=version,
        note="ask for a mobile number",
    )
    database.dispose()
    _code, out, _err = run(capsys, "orders", "show", "--db", db_url, f"SO-{floor['no_phone']:06d}")
    assert "Information requested from the customer: ask for a mobile number" in out
    assert "needs_info → needs_info" not in out


def test_review_verbs_json_gives_codes_not_sentences(capsys, db_url, floor, monkeypatch):
    import json

    run(capsys, "review", "--db", db_url, f"SO-{floor['no_phone']:06d}")
    monkeypatch.setenv("LANGUAGE", "zh_TW")
    _code, out, _err = run(
        capsys, "review", "--db", db_url, "--verbs", "--json", f"SO-{floor['no_phone']:06d}"
    )
    verbs = {v["verb"]: v for v in json.loads(out.splitlines()[0])["verbs"]}
    assert verbs["approve"] == {"verb": "approve", "enabled": False, "why_not": "blocked"}
    assert verbs["request_info"]["why_not"] == ""
