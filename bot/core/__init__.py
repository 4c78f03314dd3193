"""The pure domain core of pilot-bot.

Everything here is a pure function of (plan, stored state, now): no Slack, no
database, no clock reads. Modules are named after the sections of the pilot
framework document (Pilot Types, Pilot Phases, Traffic Ramping, ...).
"""
