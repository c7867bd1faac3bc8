import pytest

from service.console.access import User, parse_role
from service.console.exceptions import Forbidden, UserInvalid
from service.scope import Scope


def county(role="analyst"):
    return User("li", role, Scope.parse("44/4401/440106"))


def test_a_county_analyst_sees_only_their_subtree():
    user = county()
    assert user.sees("44/4401/440106") and user.sees("44/4401/440106/0012")
    assert not user.sees("44/4401/440107") and not user.sees("44/4401")
    with pytest.raises(Forbidden):
        user.require_branch("44/4401/4401061")  # whole segments: a longer code is another county


def test_roles_rank_analyst_supervisor_admin():
    assert not county().has("supervisor")
    assert county("supervisor").has("analyst") and not county("supervisor").has("admin")
    assert county("admin").has("supervisor")
    with pytest.raises(Forbidden):
        county().require("supervisor")


def test_unknown_roles_are_refused():
    with pytest.raises(UserInvalid):
        parse_role("root")
