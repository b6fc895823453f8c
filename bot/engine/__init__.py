"""The conversation engine: content loader -> matcher -> state machine.

Pure: imports only the standard library and rapidfuzz. No telegram, sqlite_utils, click, environment, clock
or randomness; callers pass the current time in.
"""
