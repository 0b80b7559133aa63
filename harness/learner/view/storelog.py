"""The fencing lab's store in the view: its last writes, accepted or refused, and why.

``LiveView(..., store=store)`` with a ``StoreProcess`` (lab 6: ``workshop.store()``), or
anything with a ``.log()`` that returns the store's log (a list of dicts with at least
``writer``, ``value``, ``token`` and ``accepted``, oldest first). The store has no watch,
so its log is read on every refresh: the view's slow timer, ``view.refresh()``, and after
each of the view's actions.

The log only grows. A read that comes back shorter than the last one (the store was
stopped and its folder removed, as at the end of ``with workshop.store() as store:``), or
that fails, leaves the picture at the last good read: the last writes stay on the page.

``StorePart`` is one part of ``LiveView`` (see ``liveview``, which lists ``state()["store"]``).
"""
from __future__ import annotations

SHOWN = 8                          # writes in state()["store"]["writes"] (and the picture)


def summary(log: list) -> dict:
    """``state()["store"]`` of a log: its last ``SHOWN`` writes, oldest first, and how many
    writes it accepted and refused in all."""
    accepted = sum(1 for w in log if w.get("accepted"))
    return {"writes": [{"writer": w.get("writer"), "value": w.get("value"),
                        "token": w.get("token"), "accepted": bool(w.get("accepted"))}
                       for w in log[-SHOWN:]],
            "accepted": accepted, "refused": len(log) - accepted}


class StorePart:
    """The store's log as last read (under the view's lock)."""

    def _init_store(self, store) -> None:
        self._store = store
        self._store_length = 0               # writes in the last good read of the log
        self._store_summary = summary([]) if store is not None else None

    def _read_store(self) -> None:
        """Read the store's log now (no watch tells the view it changed)."""
        if self._store is None:
            return
        try:
            log = list(self._store.log())
        except ValueError:                   # a line read half written: the next read has it
            return
        except Exception as e:               # not a store's log: said, the view goes on
            self._error = f"store: {type(e).__name__}: {e}"
            return
        with self._lock:
            if len(log) >= self._store_length:
                self._store_length = len(log)
                self._store_summary = summary(log)

    def _store_state(self) -> dict | None:
        """(under the lock) ``state()["store"]``: None when the view has no store."""
        if self._store_summary is None:
            return None
        s = self._store_summary
        return {"writes": [dict(w) for w in s["writes"]], "accepted": s["accepted"],
                "refused": s["refused"]}
