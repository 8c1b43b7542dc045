"""Keys of the entities the engine itself creates (accounts, per-service entities)."""


def service_key(account: str, service: str) -> str:
    return f"aws:{account}:{service}"


def account_key(account: str) -> str:
    return f"aws:account:{account}"
