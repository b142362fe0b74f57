"""Errors from Databricks that quote a credential, told again without it.

A proxy or a misconfigured server can echo the request's `Authorization` header in its
error body, and the SDK puts that body in the exception's message. Dagster prints a
failing step's exception with its whole chain (stderr, the event log, the failure
email), so such an error is replaced by one with the token masked and no chain.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

MASK = "***"


class DatabricksFailure(RuntimeError):
    """A Databricks error whose text quoted the token: the same text, the token masked."""


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def mask(text: str, token: str | None) -> str:
    return text.replace(token, MASK) if token else text


@contextlib.contextmanager
def token_masked(client) -> Iterator[None]:
    """Let errors through, unless one in the chain quotes `client`'s token: then raise it masked."""
    try:
        yield
    except Exception as error:
        token = getattr(getattr(client, "config", None), "token", None)
        links = list(_chain(error))
        if not token or not any(token in f"{e!s} {e!r}" for e in links):
            raise
        told = "; caused by: ".join(f"{type(e).__name__}: {mask(str(e), token)}" for e in links)
        raise DatabricksFailure(told) from None
