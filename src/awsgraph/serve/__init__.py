"""`awsgraph serve`: a local, read-only web console over the graph database.

A J1QL box with results as a table or a graph (``/?q=FIND ...`` links to a result), the
ready-made questions and their answers, an entity page with its neighbours, runs and the
diff between two runs. Flask renders the pages (autoescaped templates), waitress serves
them; the front end ships in ``awsgraph/data`` and needs no network.
"""

from awsgraph.serve.app import Settings, create_app
from awsgraph.serve.db import DatabaseError, open_readonly
from awsgraph.serve.server import RunningConsole, is_loopback, make_server

__all__ = ["DatabaseError", "RunningConsole", "Settings", "create_app", "is_loopback", "make_server", "open_readonly"]
