"""Feature functions: one module per feature, the one layer that orchestrates.

Each is keyword-only, given the unit of work's session, the clock's ``now`` and typed
inputs; it checks the domain's rules, changes storage, owes through the outbox what
Slack must be told, and returns a small frozen result. They import the core, the blocks
and storage, never Slack: the listeners in handlers/ ack, parse, call one, and answer.
"""
