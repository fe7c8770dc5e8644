"""`crm agenda`: each section on fixed data as of CRM_NOW (tests/reports_helpers.agenda_data), empty sections left
out, JSON and iCalendar for scripts and calendars, and whose agenda one may see."""

import json

import pytest
from conftest import as_user
from pool_helpers import utc_env
from reports_helpers import NOW, agenda_data

from crmtui.store.insight.agenda import agenda
from crmtui.store.kernel.errors import NotPermitted


@pytest.fixture
def data(team, monkeypatch):
    monkeypatch.setenv("CRM_NOW", utc_env(NOW))
    return agenda_data(team)


def subjects(result, key):
    return [item.subject for item in result.section(key).items]


def test_every_section_of_a_day(data):
    day = agenda(as_user("wang"))
    # due today 15:00 and overdue since 03-18; the one planned for 03-25 is not due yet
    assert subjects(day, "followups") == ["逾期公司", "今天公司"]
    assert day.section("followups").items[0].detail.startswith("overdue 2 days")
    # 安静公司 (tier C, 14 days) got its owner on 03-08 and no follow-up since: reclaimed 03-22, within 3 days
    assert subjects(day, "reclaim") == ["安静公司"]
    assert "2 days left" in day.section("reclaim").items[0].detail
    # Proposal is stuck after 10 days: the deal there since 03-05 is, the one since 03-18 is not
    assert [item.id for item in day.section("stuck_deals").items] == [data["stuck"]]
    assert "15 days" in day.section("stuck_deals").items[0].detail
    # K1 ends 04-10, in 21 days (within 30); K0 ended last year
    assert subjects(day, "contracts") == ["K1 (今天公司)"]
    # K1's second instalment (02-10) is overdue with 600 open; the third falls due 04-10, beyond 7 days
    [owed] = day.section("instalments").items
    assert (owed.subject, owed.detail, str(owed.amount)) == ("K1 #2 (今天公司)", "overdue", "600.00")
    assert subjects(day, "tickets") == ["发票抬头错误 (逾期公司)"]  # the closed one is not listed
    # born 03-20 (today) and 03-22 (in 2 days); 04-01 is more than 7 days away
    assert [(i.subject, i.detail) for i in day.section("birthdays").items] == [
        ("韩梅梅 (逾期公司)", "today"),
        ("李雷 (今天公司)", "in 2 days"),
    ]
    # 逾期公司 bought once (K0 signed 2025-01-01, over 365 days ago): due to buy again
    assert subjects(day, "buy_again") == ["逾期公司"]
    # 安静公司: never followed up, no contract, created 2025-06-01 (over 90 days ago): at risk
    assert subjects(day, "at_risk") == ["安静公司"]


def test_another_day_and_another_user(data, team):
    tomorrow = agenda(as_user("li.na"), "wang", NOW.date().replace(day=21))
    assert tomorrow.user == "wang" and subjects(tomorrow, "birthdays") == ["李雷 (今天公司)"]
    with pytest.raises(NotPermitted):
        agenda(as_user("zhang"), "wang")
    with pytest.raises(NotPermitted):
        agenda(as_user("zhao"), "wang")


def test_json_leaves_empty_sections_out(data, cli):
    env = {"CRM_NOW": utc_env(NOW)}
    mine = json.loads(cli("agenda", "--format", "json", user="wang", env=env).stdout)
    assert mine["user"] == "wang" and mine["date"] == "2026-03-20"
    assert list(mine["sections"]) == [
        "followups",
        "reclaim",
        "stuck_deals",
        "contracts",
        "instalments",
        "tickets",
        "birthdays",
        "buy_again",
        "at_risk",
    ]
    assert mine["sections"]["instalments"][0]["amount"] == "600.00"
    empty = json.loads(cli("agenda", "--format", "json", user="zhang", env=env).stdout)
    assert empty == {"user": "zhang", "date": "2026-03-20", "sections": {}}
    table = cli("agenda", "--format", "table", user="zhang", env=env)
    assert table.exit_code == 0 and "Nothing due" in table.stdout
    full = cli("agenda", "--format", "table", user="wang", env=env).stdout
    assert "Follow-ups due today and overdue (2)" in full and "Birthdays (2)" in full and "韩梅梅" in full


def test_csv_and_ics(data, cli):
    env = {"CRM_NOW": utc_env(NOW)}
    lines = cli("agenda", "--format", "csv", user="wang", env=env).stdout.splitlines()
    assert lines[0] == "section,id,subject,when,detail,amount,customer_id"
    assert sum(line.startswith("followups,") for line in lines) == 2
    ics = cli("agenda", "--format", "ics", "--user", "wang", user="li.na", env=env).stdout
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20260320T150000Z" in ics and "SUMMARY:Follow up: 今天公司" in ics
    refused = cli("agenda", "--user", "wang", user="zhang", env=env)
    assert refused.exit_code == 4 and "may not see the agenda of wang" in refused.stderr
