"""`/pilot create` end to end: the one-line form, the modal round trip, refusals."""

from datetime import date, time

from sqlmodel import select

from bot.blocks import ids
from storage.db import unit_of_work
from storage.models import ChangeLogEntry, Pilot
from storage.risks import risks_of
from storage.team import change_log
from tests.helpers import CHANNEL, acme_plan, store_pilot
from tests.plan_helpers import answer, pilots

ONE_LINE = (
    'create "Acme POC" customer=Acme type=business ramp=standard start=2026-12-07 weeks=6'
    ' tz=America/New_York checkin=09:30 review="mon 10:00" holidays=US'
)


# ----- the one-line form --------------------------------------------------------------------


def test_one_line_create_stores_the_plan_and_announces_it(bot):
    response = bot.sender.command(ONE_LINE, user_id="U0002")
    assert response.status == 200
    assert response.text == ""  # the announcement in the channel is the answer

    post = bot.emulator.wait_for_calls("chat.postMessage")[0]
    assert post.params["channel"] == CHANNEL
    text = post.params["text"]
    assert ":rocket: New pilot: Acme POC · Acme" in text
    assert "Business Validation Pilot, 6 weeks" in text
    assert "Mon Dec 7, 2026 → hard end Sun Jan 17, 2027" in text
    assert "Week 1: 10% · Week 2: 25% · Week 3: 40% · Weeks 4-6: 50%" in text
    assert "Owner: <@U0002>" in text
    assert "Now: Setup, week 1 of 6, day 4." in text  # the clock: Thursday 2026-12-10
    assert ":warning:" not in text
    assert post.params["blocks"][0]["type"] == "header"

    (pilot,) = pilots(bot.engine)
    assert (pilot.name, pilot.customer, pilot.pilot_type) == ("Acme POC", "Acme", "business")
    assert (pilot.start_date, pilot.weeks, pilot.ramp) == (date(2026, 12, 7), 6, "standard")
    assert (pilot.tz, pilot.checkin_time, pilot.review_time) == (
        "America/New_York",
        time(9, 30),
        time(10, 0),
    )
    assert (pilot.holiday_country, pilot.owner_id, pilot.channel_id) == ("US", "U0002", CHANNEL)
    assert pilot.created_at == bot.clock.now()
    assert pilot.next_due_at is not None
    with unit_of_work(bot.engine) as session:
        risks = risks_of(session=session, pilot_id=pilot.id)
        log = change_log(session=session, pilot_id=pilot.id)
    assert [r.risk for r in risks] == [
        "Integration fails",
        "Metrics not achieved",
        "Delays",
        "Scope creep",
    ]
    assert [(e.kind, e.user_id, e.at) for e in log] == [("created", "U0002", bot.clock.now())]
    assert "a 6-week business pilot on the standard ramp, 2026-12-07 to 2027-01-17" in (
        log[0].summary
    )


def test_status_reflects_a_plan_created_through_slack(bot):
    bot.sender.command(ONE_LINE)
    bot.emulator.wait_for_calls("chat.postMessage")
    # The clock stands at Thursday 2026-12-10 10:00 in New York: week 1, day 4.
    text = answer(bot, "status")
    assert "Acme POC · Acme" in text
    assert "Setup, week 1 of 6, day 4" in text
    assert "10% → 25% on Mon Dec 14, 2026 (week 2)" in text


def test_one_line_defaults(bot):
    bot.sender.command('create Beta customer="Beta Corp" type=full start=2027-01-04')
    post = bot.emulator.wait_for_calls("chat.postMessage")[0]
    assert "Full Pilot, 6 weeks" in post.params["text"]
    (pilot,) = pilots(bot.engine)
    assert (pilot.name, pilot.customer, pilot.weeks, pilot.ramp) == (
        "Beta",
        "Beta Corp",
        6,
        "standard",
    )
    assert (pilot.tz, pilot.checkin_time, pilot.review_weekday, pilot.review_time) == (
        "America/New_York",
        time(9, 30),
        0,
        time(10, 0),
    )
    assert pilot.holiday_country is None and not pilot.override


def test_override_keeps_a_plan_outside_the_bands_and_says_so(bot):
    bot.sender.command(
        'create "Tech check" customer=Acme type=technical ramp=conservative weeks=4'
        " start=2026-12-07 override=yes"
    )
    text = bot.emulator.wait_for_calls("chat.postMessage")[0].params["text"]
    assert ":warning: A 4-week technical pilot on the conservative ramp peaks at 30%" in text
    assert "(kept with override)" in text
    assert pilots(bot.engine)[0].override


def test_bad_inputs_get_one_line_with_the_correct_form(bot):
    base = "create X customer=Acme start=2026-12-07 type=business"
    cases = {
        f"{base} type=pilotish": "Unknown pilot type 'pilotish'. Use technical, business or full.",
        f"{base} ramp=turbo": "Unknown ramp 'turbo'.",
        f"{base} ramp=10,200": "Ramp value 200 must be a whole number from 0 to 100.",
        "create X customer=Acme type=business start=07/12/2026": "Use YYYY-MM-DD",
        f"{base} tz=Mars/Olympus": "Unknown timezone 'Mars/Olympus'",
        f"{base} weeks=10": "A 10-week business pilot is longer than the business range of 4-8"
        " weeks. Add override=yes to keep it anyway.",
        f"{base} weeks=99": "'99' is not a number of weeks",
        f"{base} checkin=25:00": "'25:00' is not a time of day",
        f'{base} review="someday 10:00"': "'someday' is not a weekday",
        f"{base} holidays=XX": "Unknown holiday country 'XX'",
        f"{base} override=perhaps": "'perhaps' is not yes or no",
        "create customer=Acme type=business start=2026-12-07": "Give the pilot a name",
        "create X type=business": "`/pilot create` needs `customer=`, `start=` too.",
        f"{base} colour=blue": "Unknown option `colour`",
        "create Acme POC customer=Acme": "Unexpected `POC`",
        "create X customer=Acme type=business start=2025-12-08": "A pilot starting 2025-12-08"
        " would already be over (its evaluation ended 2026-01-11); check the start date.",
        "create X customer=Acme start=2026-12-07 type=technical": "peaks at 25%, above the"
        " technical band of 10-20%. The conservative ramp fits. Add override=yes",
    }
    for line, expected in cases.items():
        text = answer(bot, line)
        assert expected in text, (line, text)
        assert "Usage: `/pilot create" in text, line
        assert "\n" not in text, line
    assert pilots(bot.engine) == []
    assert bot.emulator.calls_to("chat.postMessage") == []


def test_a_second_pilot_in_the_channel_is_refused(bot):
    store_pilot(bot.engine)
    text = answer(bot, ONE_LINE.replace("Acme POC", "Acme two"))
    assert "This channel already runs *Acme POC* (owner <@U0001>)" in text
    assert "end this one first" in text
    assert len(pilots(bot.engine)) == 1
    # Another channel is fine.
    bot.sender.command(ONE_LINE, channel_id="C0002")
    bot.emulator.wait_for_calls("chat.postMessage")
    assert len(pilots(bot.engine)) == 2


def test_an_ended_pilot_makes_room_for_a_new_one(bot):
    store_pilot(bot.engine, acme_plan(name="Old pilot"))
    with unit_of_work(bot.engine) as session:
        old = session.exec(select(Pilot)).one()
        old.state = "ended"
    bot.sender.command(ONE_LINE)
    bot.emulator.wait_for_calls("chat.postMessage")
    assert "Acme POC" in answer(bot, "status")


def test_when_the_bot_is_not_in_the_channel_the_owner_hears_why(bot):
    bot.emulator.add_channel("C0OUT", name="pilot-out", is_member=False)
    bot.sender.command(ONE_LINE, channel_id="C0OUT")
    (dm,) = bot.emulator.wait_for(
        lambda e: [
            c
            for c in e.calls_to("chat.postMessage")
            if c.params["channel"] == e.dm_channel("U0001")
        ]
    )
    assert (
        "Created *Acme POC*, but I could not post it in <#C0OUT> (not_in_channel)"
        in (dm.params["text"])
    )
    assert "/invite @pilot-bot" in dm.params["text"]
    assert len(pilots(bot.engine)) == 1


# ----- the modal ----------------------------------------------------------------------------


def opened_view(bot):
    return bot.emulator.wait_for_calls("views.open")[0].params["view"]


def element(view, block_id):
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"]


def form(**changes):
    """A filled-in create form, as Slack sends its state: {block_id: {action_id: value}}."""
    elements = {
        ids.CREATE_NAME: {"type": "plain_text_input", "value": "Acme POC"},
        ids.CREATE_CUSTOMER: {"type": "plain_text_input", "value": "Acme"},
        ids.CREATE_TYPE: {"type": "static_select", "selected_option": {"value": "business"}},
        ids.CREATE_START: {"type": "datepicker", "selected_date": "2026-12-14"},
        ids.CREATE_WEEKS: {"type": "number_input", "value": "6"},
        ids.CREATE_RAMP: {"type": "static_select", "selected_option": {"value": "suggested"}},
        ids.CREATE_RAMP_QUESTIONS: {"type": "checkboxes", "selected_options": []},
        ids.CREATE_CUSTOM_RAMP: {"type": "plain_text_input", "value": None},
        ids.CREATE_TZ: {"type": "plain_text_input", "value": "America/New_York"},
        ids.CREATE_CHECKIN: {"type": "timepicker", "selected_time": "09:30"},
        ids.CREATE_REVIEW_DAY: {"type": "static_select", "selected_option": {"value": "mon"}},
        ids.CREATE_REVIEW_TIME: {"type": "timepicker", "selected_time": "10:00"},
        ids.CREATE_HOLIDAYS: {"type": "plain_text_input", "value": "US"},
        ids.CREATE_OVERRIDE: {"type": "checkboxes", "selected_options": []},
    }
    for block_id, value in changes.items():
        elements[getattr(ids, f"CREATE_{block_id.upper()}")].update(value)
    return {block_id: {block_id: value} for block_id, value in elements.items()}


def ticked(*values):
    return {"selected_options": [{"value": v} for v in values]}


def submit(bot, values, *, user_id="U0001", channel_id=CHANNEL, view_id=None):
    payload = bot.sender.view_submission(
        ids.CREATE_PILOT, values, user_id=user_id, private_metadata=channel_id, view_id=view_id
    )
    return bot.sender.interactive(payload)


def test_create_without_arguments_opens_the_form_first(bot):
    response = bot.sender.command("create")
    assert response.status == 200 and response.text == ""
    view = opened_view(bot)
    # views.open is the first Slack call: the trigger_id lives 3 seconds.
    methods = [c.method for c in bot.emulator.calls if c.method != "auth.test"]
    assert methods[0] == "views.open"
    assert view["callback_id"] == ids.CREATE_PILOT
    assert view["private_metadata"] == CHANNEL
    assert view["submit"]["text"] == "Create"
    # The clock says Thursday 2026-12-10: the form proposes the next Monday.
    assert element(view, ids.CREATE_START) == {
        "type": "datepicker",
        "initial_date": "2026-12-14",
        "action_id": ids.CREATE_START,
    }
    assert element(view, ids.CREATE_TZ)["initial_value"] == "America/New_York"
    assert element(view, ids.CREATE_CHECKIN)["initial_time"] == "09:30"
    assert element(view, ids.CREATE_REVIEW_TIME)["initial_time"] == "10:00"
    assert element(view, ids.CREATE_REVIEW_DAY)["initial_option"]["value"] == "mon"
    assert element(view, ids.CREATE_RAMP)["initial_option"]["value"] == "suggested"
    questions = [o["text"]["text"] for o in element(view, ids.CREATE_RAMP_QUESTIONS)["options"]]
    assert questions == [
        "First pilot with this customer type",
        "Complex integration",
        "High-risk use case",
        "Very confident in fit",
        "Customer needs fast results",
        "Low-risk use case",
    ]
    types = [o["value"] for o in element(view, ids.CREATE_TYPE)["options"]]
    assert types == ["technical", "business", "full"]
    assert len(view["blocks"]) <= 100
    # The user's timezone is the default one: no second version of the form.
    bot.emulator.wait_for_calls("users.info")
    assert bot.emulator.calls_to("views.update") == []


def test_the_form_defaults_to_the_users_own_timezone(bot):
    bot.emulator.add_user("U0003", "carla", tz="Asia/Tokyo")
    # Friday 2026-12-11 03:00 in Tokyo is Thursday in New York; next Monday is the 14th both ways.
    bot.sender.command("create", user_id="U0003")
    update = bot.emulator.wait_for_calls("views.update")[0].params
    assert update["view_id"] == bot.emulator.calls_to("views.open")[0].response["view"]["id"]
    assert element(update["view"], ids.CREATE_TZ)["initial_value"] == "Asia/Tokyo"
    assert element(update["view"], ids.CREATE_START)["initial_date"] == "2026-12-14"


def test_the_form_says_when_the_channel_already_has_a_pilot(bot):
    store_pilot(bot.engine)
    bot.sender.command("create")
    update = bot.emulator.wait_for_calls("views.update")[0].params["view"]
    assert update["callback_id"] == ids.CREATE_PILOT_TAKEN
    assert "submit" not in update
    assert "already runs *Acme POC*" in update["blocks"][0]["text"]["text"]


def test_a_valid_submission_creates_the_pilot_and_explains_the_suggested_ramp(bot):
    bot.sender.command("create", user_id="U0002")
    opened = bot.emulator.wait_for_calls("views.open")[0].response["view"]
    values = form(ramp_questions=ticked("complex_integration"))
    # A 6-week business pilot on the conservative ramp peaks at 30%: inside 30-50%.
    response = submit(bot, values, user_id="U0002", view_id=opened["id"])
    assert response.status == 200
    assert response.text == ""  # an empty ack closes the modal
    post = bot.emulator.wait_for_calls("chat.postMessage")[0]
    text = post.params["text"]
    assert "New pilot: Acme POC · Acme" in text
    assert "Suggested the conservative ramp because: complex integration." in text
    assert "Now: Not started: starts in 4 days." in text
    assert "Week 1: 0% · Week 2: 10% · Week 3: 20% · Weeks 4-6: 30%" in text
    (pilot,) = pilots(bot.engine)
    assert (pilot.ramp, pilot.owner_id, pilot.start_date) == (
        "conservative",
        "U0002",
        date(2026, 12, 14),
    )
    assert "Acme POC" in answer(bot, "status")


def test_an_invalid_submission_marks_each_bad_field(bot):
    values = form(
        tz={"value": "Mars/Olympus"},
        weeks={"value": "10"},
        holidays={"value": "XX"},
        name={"value": "   "},
    )
    response = submit(bot, values)
    assert response.status == 200
    body = response.json()
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {ids.CREATE_TZ, ids.CREATE_HOLIDAYS, ids.CREATE_NAME}
    assert "Unknown timezone 'Mars/Olympus'" in errors[ids.CREATE_TZ]
    # Once the fields read well, the bands: a 10-week business pilot needs the override.
    response = submit(bot, form(weeks={"value": "10"}))
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            ids.CREATE_WEEKS: "A 10-week business pilot is longer than the business range of"
            " 4-8 weeks. Tick Override at the bottom to keep it anyway."
        },
    }
    assert pilots(bot.engine) == []
    assert bot.emulator.calls_to("chat.postMessage") == []


def test_a_suggestion_outside_the_band_points_to_one_that_fits_and_the_override(bot):
    values = form(ramp_questions=ticked("needs_fast_results"), weeks={"value": "4"})
    errors = submit(bot, values).json()["errors"]
    assert errors == {
        ids.CREATE_RAMP: "The suggestion does not fit the band: a 4-week business pilot on the"
        " aggressive ramp peaks at 100%, above the business band of 30-50%. The standard ramp"
        " fits. Tick Override at the bottom to keep it anyway."
    }
    values = form(
        ramp_questions=ticked("needs_fast_results"),
        weeks={"value": "4"},
        override=ticked("override"),
    )
    assert submit(bot, values).text == ""
    text = bot.emulator.wait_for_calls("chat.postMessage")[0].params["text"]
    assert "Suggested the aggressive ramp because: customer needs fast results." in text
    assert ":warning: A 4-week business pilot on the aggressive ramp peaks at 100%" in text


def test_custom_ramps_in_the_form(bot):
    empty = form(ramp={"selected_option": {"value": "custom"}})
    assert submit(bot, empty).json()["errors"] == {
        ids.CREATE_CUSTOM_RAMP: "Enter weekly percentages such as 5,10,20,40, or pick another ramp."
    }
    bad = form(ramp={"selected_option": {"value": "custom"}}, custom_ramp={"value": "10,x"})
    assert list(submit(bot, bad).json()["errors"]) == [ids.CREATE_CUSTOM_RAMP]
    good = form(ramp={"selected_option": {"value": "custom"}}, custom_ramp={"value": "10,30,45"})
    assert submit(bot, good).text == ""
    bot.emulator.wait_for_calls("chat.postMessage")
    assert pilots(bot.engine)[0].ramp == "10,30,45"


def test_a_submission_for_a_channel_that_got_a_pilot_meanwhile_is_refused(bot):
    store_pilot(bot.engine)
    body = submit(bot, form()).json()
    assert body["response_action"] == "errors"
    assert "already runs *Acme POC*" in body["errors"][ids.CREATE_NAME]
    assert len(pilots(bot.engine)) == 1


def test_an_expired_trigger_gets_an_apology_not_a_trace(bot):
    bot.emulator.fail("views.open", error="expired_trigger_id")
    bot.sender.command("create")
    apology = bot.emulator.wait_for(lambda e: e.response_posts(channel=CHANNEL))[0]
    assert "Sorry, something went wrong" in apology.payload["text"]


def test_the_created_entry_is_the_only_change_logged(bot):
    bot.sender.command(ONE_LINE)
    bot.emulator.wait_for_calls("chat.postMessage")
    with unit_of_work(bot.engine) as session:
        kinds = session.exec(select(ChangeLogEntry.kind)).all()
    assert kinds == ["created"]
