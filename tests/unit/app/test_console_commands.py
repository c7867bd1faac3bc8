"""`fraudstream console create-user`: a generated password is printed once and only its hash is stored."""

from typer.testing import CliRunner

from app.cli import cli
from service.console import passwords
from service.console.exceptions import UserInvalid
from service.console.users import list_users
from service.store.engine import open_engine


def test_create_user_prints_a_one_time_password_and_stores_its_hash(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = CliRunner().invoke(cli, ["console", "create-user", "--username", "li.wei", "--role", "analyst",
                                      "--scope", "44/4401/440106", "--store-url", url])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    engine = open_engine(url)
    [user] = list_users(engine)
    engine.dispose()
    assert (user.username, user.role, user.scope) == ("li.wei", "analyst", "44/4401/440106")
    assert password not in user.password_hash and passwords.verify(password, user.password_hash)


def test_a_bad_role_or_scope_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    for role, scope in (("root", "44"), ("analyst", "44//01")):
        result = CliRunner().invoke(cli, ["console", "create-user", "--username", "x1", "--role", role,
                                          "--scope", scope, "--store-url", url])
        assert result.exit_code != 0 and isinstance(result.exception, UserInvalid)  # main() prints its code
