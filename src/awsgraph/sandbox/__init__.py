"""The embedded default: moto's server on loopback, seeded with a sample estate."""

from awsgraph.sandbox.demo_account import DEMO_ACCOUNT, DEMO_EXTERNAL_ID, DEMO_REGIONS, DEMO_ROLE_ARN
from awsgraph.sandbox.server import Sandbox, SandboxError

__all__ = ["DEMO_ACCOUNT", "DEMO_EXTERNAL_ID", "DEMO_REGIONS", "DEMO_ROLE_ARN", "Sandbox", "SandboxError"]
