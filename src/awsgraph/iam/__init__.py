"""IAM policy evaluation: pure functions over policy documents (never calls AWS).

``evaluate(action, resource, ...)`` answers one request the way AWS's documented
evaluation logic does; see :mod:`awsgraph.iam.evaluate`.
"""

from awsgraph.iam.evaluate import ALLOW, DENY, IMPLICIT_DENY, Decision, evaluate
from awsgraph.iam.policy import Policy, Principal, Statement, compile_policy, parse_policy

__all__ = [
    "ALLOW", "DENY", "IMPLICIT_DENY", "Decision", "Policy", "Principal", "Statement", "compile_policy",
    "evaluate", "parse_policy",
]
