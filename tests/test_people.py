"""Users, territories, init and the scoping of the acting user, on both backends."""

import json

from conftest import as_user, database_state

from crmtui.store.kernel.access import SYSTEM, visible_customers
from crmtui.store.kernel.models import AuditLog, Customer, PoolRules, TierRule


def test_init_is_idempotent_and_creates_the_admin(cli):
    first = cli("init", "--admin", "root")
    assert first.exit_code == 0
    assert "up to date" in first.stderr
    users = json.loads(cli("user", "list", "--format", "json").stdout)
    assert [u["login"] for u in users] == ["root"]


def test_territory_gets_default_pool_rules(team):
    rules = PoolRules.get(PoolRules.territory == team.east)
    assert (rules.claim_limit, rules.owned_cap, rules.cooldown_days, rules.warn_days) == (20, 300, 7, 3)
    days = dict(
        TierRule.select(TierRule.tier, TierRule.no_followup_days).where(TierRule.territory == team.east).tuples()
    )
    assert days == {"A": 30, "B": 21, "C": 14, "D": 10, "E": 7}


def test_manager_team_is_the_whole_subtree(team, cli):
    assert cli("user", "add", "sun", "--territory", "华东", "--manager", "wang").exit_code == 0
    li_na = as_user("li.na")
    assert {team.ids["li.na"], team.ids["wang"], team.ids["zhang"]} < li_na.team_ids
    assert len(li_na.team_ids) == 4  # sun reports to wang, who reports to li.na
    assert as_user("wang").team_ids == {team.ids["wang"]}


def test_scopes_of_customers(team):
    def customer(name, territory, owner=None):
        return Customer.create(name=name, territory=territory, owner=owner).id

    mine = customer("mine", team.east, team.ids["wang"])
    colleague = customer("colleague", team.east, team.ids["zhang"])
    pool_east = customer("pool east", team.east)
    pool_south = customer("pool south", team.south)
    south_owned = customer("south owned", team.south, team.ids["chen"])

    def seen(login):
        actor = SYSTEM if login is None else as_user(login)
        return {c.id for c in Customer.select().where(visible_customers(actor))}

    assert seen("wang") == {mine, pool_east}
    assert seen("li.na") == {mine, colleague, pool_east}
    assert seen("zhao") == {pool_south, south_owned}
    assert seen("root") == {mine, colleague, pool_east, pool_south, south_owned}


def test_user_errors_have_their_exit_codes_and_change_nothing(team, cli):
    before = database_state()
    cases = [
        (("user", "add", "x", "--role", "boss"), 2, "Unknown role"),
        (("user", "add", "wang"), 5, "exists already"),
        (("user", "add", "y", "--territory", "火星"), 3, "No territory named"),
        (("user", "add", "two words"), 2, "one word"),
        (("user", "edit", "nobody", "--role", "rep"), 3, "No user named"),
        (("territory", "add", "华东"), 5, "exists already"),
    ]
    for args, code, message in cases:
        result = cli(*args)
        assert result.exit_code == code, (args, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    assert cli("user", "add", "z", user="wang").exit_code == 4
    assert database_state() == before


def test_edits_are_audited(team, cli):
    assert cli("user", "edit", "wang", "--territory", "华南", "--manager", "zhao").exit_code == 0
    row = AuditLog.select().where(AuditLog.entity == "user", AuditLog.action == "edit").get()
    assert row.actor == "root"
    assert json.loads(row.changes) == {
        "territory": [team.east, team.south],
        "manager": [team.ids["li.na"], team.ids["zhao"]],
    }


def test_deactivated_user_cannot_act(team, cli):
    assert cli("user", "deactivate", "wang").exit_code == 0
    result = cli("territory", "list", user="wang")
    assert result.exit_code == 4
    assert "deactivated" in result.stderr


def test_unknown_acting_user_is_not_found(team, cli):
    result = cli("territory", "list", user="ghost")
    assert result.exit_code == 3


def test_real_entry_point_lists_users_as_csv_when_piped(team, crm):
    result = crm("user", "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "id,login,display_name,role,manager,territory,active,owned"
    assert any(line.startswith(f"{team.ids['wang']},wang,王芳,rep,li.na,华东,yes,0") for line in lines)
