"""Which database and which user: --db > CRM_DB > config file > the default file in the user data dir."""

import os

from typer.testing import CliRunner

from crmtui.cli import app


def _users(env, *args):
    result = CliRunner().invoke(app, [*args, "user", "list", "--format", "csv"], env=env)
    return result.exit_code, result.stdout, result.stderr


def _init(url, admin):
    assert CliRunner().invoke(app, ["--db", url, "init", "--admin", admin]).exit_code == 0


def test_precedence_of_database_sources(tmp_path, monkeypatch):
    urls = {name: f"sqlite:///{tmp_path / name}.sqlite3" for name in ("flag", "env", "config")}
    for name, url in urls.items():
        _init(url, f"admin_{name}")
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{urls["config"]}"\nuser = "admin_config"\n', encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))

    code, out, _ = _users({})
    assert code == 0 and "admin_config" in out
    code, out, _ = _users({"CRM_DB": urls["env"], "CRM_USER": "admin_env"})
    assert code == 0 and "admin_env" in out
    code, out, _ = _users({"CRM_DB": urls["env"]}, "--db", urls["flag"], "--user", "admin_flag")
    assert code == 0 and "admin_flag" in out


def test_default_database_lives_in_the_user_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert CliRunner().invoke(app, ["init", "--admin", "me"]).exit_code == 0
    assert os.path.exists(tmp_path / "data" / "crmtui" / "crm.sqlite3")


def test_broken_config_file_is_one_sentence(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("db = [unclosed", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    code, _, err = _users({})
    assert code == 2 and "not valid TOML" in err and "Traceback" not in err


def test_unreachable_server_is_one_sentence_and_hides_the_password():
    code, _, err = _users({}, "--db", "postgresql://crm:s3cret@127.0.0.1:1/none")
    assert code == 1
    assert "Cannot open the database" in err and "s3cret" not in err
