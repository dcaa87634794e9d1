"""Which failures the gateway retries, and how an unreadable message is described.

Every message must settle in bounded time. Only a failure that can pass by itself is worth a redelivery:
Temporal unreachable, overloaded or slow, or the patient's previous event still in flight. Anything else
would fail the same way on every try and hold one of the consumer's pending slots each time, so it is
dead-lettered at once with its reason.
"""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from workers.gateway.ordering import TurnNotReached

#: gRPC statuses that say "not now" rather than "not this".
TRANSIENT_STATUSES = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.ABORTED,
        RPCStatusCode.INTERNAL,
        RPCStatusCode.UNKNOWN,
        RPCStatusCode.CANCELLED,
    }
)


def transient(error: BaseException) -> bool:
    """Whether delivering again later may succeed."""
    if isinstance(error, TurnNotReached | TimeoutError | ConnectionError):
        return True
    if isinstance(error, RPCError):
        # A Temporal server starting again (after a crash) says its namespace is not found until it has
        # loaded them: "not now". (A namespace that truly does not exist fails every try, then is a dead
        # letter after DISCHARGE_MAX_DELIVERIES.)
        restarting = error.status == RPCStatusCode.NOT_FOUND and "namespace" in error.message.lower()
        return error.status in TRANSIENT_STATUSES or restarting
    # The client not (yet) connected (`RuntimeError: Failed client connect`) passes too; an encoding
    # error (TypeError, ValueError, RecursionError) would not.
    return isinstance(error, RuntimeError) and not isinstance(error, RecursionError)


def unreadable(error: BaseException) -> str:
    """The reason for a message that broke the reader itself: the kind of error, never its text (which
    may quote the input)."""
    name = type(error).__name__
    return f"(event): the message could not be read ({name}); check its JSON against the contract"
