import pytest

from bot.core.grammar import CommandSpec, UsageError, parse, parse_user_id, tokenize

FLAG = CommandSpec(
    ("flag",),
    "/pilot flag <severity> [category=...] <description>",
    "Raise a flag.",
    positionals=("severity",),
    options=frozenset({"category"}),
    rest="description",
    rest_required=True,
)
CRITERIA_ADD = CommandSpec(
    ("criteria", "add"),
    '/pilot criteria add "<name>" target="<target>"',
    "Add a criterion.",
    positionals=("name",),
    options=frozenset({"target"}),
)
CRITERIA = CommandSpec(("criteria",), "/pilot criteria", "List criteria.")
STATUS = CommandSpec(("status",), "/pilot status [public]", "Status.", positionals=("visibility?",))
SPECS = (FLAG, CRITERIA_ADD, CRITERIA, STATUS)


def test_free_text_is_the_rest_of_the_line_equals_signs_included():
    parsed = parse("flag major category=business Login fails when retries=3  twice", SPECS)
    assert parsed.args == {"severity": "major"}
    assert parsed.options == {"category": "business"}
    assert parsed.rest == "Login fails when retries=3  twice"


def test_straight_and_curly_quotes_group_words_and_slack_escapes_are_undone():
    parsed = parse('criteria add “Containment rate” target="&gt;= 60%"', SPECS)
    assert parsed.spec is CRITERIA_ADD
    assert parsed.args == {"name": "Containment rate"}
    assert parsed.options == {"target": ">= 60%"}


def test_the_longest_command_path_wins():
    assert parse("criteria", SPECS).spec is CRITERIA
    assert parse("CRITERIA add x", SPECS).spec is CRITERIA_ADD


def test_optional_positional_may_be_left_out():
    assert parse("status", SPECS).args == {}
    assert parse("status public", SPECS).args == {"visibility": "public"}


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("flag", "needs <severity>"),
        ("flag major", "needs <description>"),
        ("criteria add x colour=red", "Unknown option `colour`"),
        ("status public now", "Unexpected `now`"),
    ],
)
def test_malformed_lines_explain_and_carry_the_usage(line, fragment):
    with pytest.raises(UsageError) as caught:
        parse(line, SPECS)
    assert fragment in caught.value.message
    assert caught.value.usage.startswith("/pilot")


def test_an_unknown_subcommand_has_no_usage_so_the_caller_lists_commands():
    with pytest.raises(UsageError) as caught:
        parse("launch rockets", SPECS)
    assert caught.value.usage == ""


def test_mentions_with_and_without_names():
    assert parse_user_id("<@U123ABC|dana>") == "U123ABC"
    assert parse_user_id("<@W0ENTERPRISE>") == "W0ENTERPRISE"
    assert parse_user_id("@dana") is None
    assert parse_user_id("<#C123|general>") is None


def test_tokenize_keeps_an_unclosed_quote_as_the_rest():
    assert [t.value for t in tokenize('a "b c')] == ["a", "b c"]
