"""Feature functions: what each of the bot's features does, between the listeners (which
ack, parse, call one of these and answer) and storage (the only layer that speaks SQL).
They take the unit of work or a connection, the clock's ``now`` and typed inputs, queue
what is owed through the outbox, and return typed results; they never talk to Slack."""
