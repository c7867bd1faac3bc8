from service.console import tokens


def test_csrf_matches_only_the_same_token():
    token = tokens.new_token()
    assert tokens.csrf_matches(token, token)
    assert not tokens.csrf_matches(token[:-1] + ("A" if token[-1] != "A" else "B"), token)
    assert not tokens.csrf_matches(None, token)
    assert not tokens.csrf_matches("", token)


def test_tokens_are_random_and_only_their_digest_is_kept():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and len(first) >= 43
    assert tokens.digest(first) != first and len(tokens.digest(first)) == 64
