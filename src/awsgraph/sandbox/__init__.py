"""The embedded default: moto's ThreadedMotoServer on loopback, seeded with a sample estate."""

from awsgraph.sandbox.server import DEMO_ACCOUNT, DEMO_EXTERNAL_ID, DEMO_REGIONS, DEMO_ROLE_ARN, Sandbox

__all__ = ["DEMO_ACCOUNT", "DEMO_EXTERNAL_ID", "DEMO_REGIONS", "DEMO_ROLE_ARN", "Sandbox"]
