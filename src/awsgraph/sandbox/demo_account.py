"""What the sandbox's server and its seeders share: the demo account, its role and regions."""

from __future__ import annotations

DEMO_ACCOUNT = "111122223333"
DEMO_ROLE_ARN = f"arn:aws:iam::{DEMO_ACCOUNT}:role/awsgraph-audit"
DEMO_EXTERNAL_ID = "awsgraph-demo-7f3c"
DEMO_REGIONS = ("us-east-1", "eu-west-1")
# The emulator accepts any signature; these placeholders are what the sandbox signs with.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
