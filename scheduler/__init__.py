"""The deadline sweep process: APScheduler as the tick source, in one process only (docs/decisions.md).

The sweep itself is casebook.services.deadlines.sweep: rows, not jobs. Any number of schedulers may
run (a second by mistake, or one restarted after an outage); the row claims keep every warning and
every miss to exactly once, so the tick only decides how soon a due row fires.
"""
