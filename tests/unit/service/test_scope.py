import pytest

from service.exceptions import OutOfScope, QueryInvalid
from service.scope import Scope, key_range


def test_a_scope_covers_its_own_branch_and_everything_below_it_by_whole_segments():
    scope = Scope.parse("44/4401")
    assert scope.covers("44/4401") and scope.covers("44/4401/440106") and scope.covers("44/4401/440106/0012")
    assert not scope.covers("44/44010") and not scope.covers("44") and not scope.covers("45/4401")


def test_star_is_the_whole_bank():
    assert Scope.parse("*").covers("45/4501/450102") and str(Scope.parse("*")) == "*"


def test_narrowing_inside_the_scope_works_and_outside_is_refused():
    scope = Scope.parse("44")
    assert scope.narrow("44/4401/") == Scope("44/4401")
    assert scope.narrow(None) is scope
    for outside in ("45", "*", "4"):
        with pytest.raises(OutOfScope):
            scope.narrow(outside)


@pytest.mark.parametrize("bad", ["", "44//4401", "44/4401/440106/0012/9", "44/<x>", "a" * 17])
def test_malformed_paths_are_refused(bad):
    with pytest.raises(QueryInvalid):
        Scope.parse(bad)


def test_the_key_range_holds_exactly_the_paths_below_the_prefix():
    low, high = key_range("44/4401")
    below = ["44/4401/0", "44/4401/440106", "44/4401/zz_-"]
    beside = ["44/4401", "44/44010", "44/4401-1", "44/4402/1", "44/44009"]
    assert all(low <= p < high for p in below)
    assert not any(low <= p < high for p in beside)
