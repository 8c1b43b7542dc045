"""Scaling out: Celery workers that collect the accounts of an organization run into a shared
PostgreSQL graph.

Three processes take part: PostgreSQL (the graph), a broker (Redis, or RabbitMQ through the same
Celery URL) and any number of ``awsgraph worker`` processes on any number of machines. The run
(``awsgraph collect --org --broker URL --db postgresql://...``) plans the accounts, queues one task
per account (:mod:`awsgraph.workers.dispatch`), waits for them, then derives the cross-account
relationships once and ends the run. A worker (:mod:`awsgraph.workers.app`) collects and commits
one account per task.
"""
