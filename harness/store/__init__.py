"""The fencing lab's storage service: a real process on loopback that keeps fencing tokens.

A leader writes ``(key, value, token)``; in fenced mode the store accepts a write
only if its token is at least the highest it has accepted (Kleppmann's fencing
token), and refuses it otherwise. It keeps an append-only log of every write it
accepted and refused: the ground truth a check reads. The learner's process
holds only a client of it, and can neither read that log nor speak for another
writer.

    service   the server (``python -m harness store`` runs it)
    client    ``StoreClient``: what ``store`` is, in a notebook and in the sandbox
    process   starting and stopping a store, and reading its log (the grader's side)

The protocol, one JSON object per line each way, over TCP on 127.0.0.1:

    {"op": "hello", "writer": "c1", "secret": "..."}   -> {"ok": true}
    {"op": "write", "key": k, "value": v, "token": t}  -> {"accepted": bool, "highest": h}
    {"op": "read", "key": k}                           -> {"value": v, "token": t}

A connection writes as the writer its hello named; where writers were given
secrets, only with the right one. The log holds one JSON object per write:
time (``time.monotonic()``, the clock every process here shares), key, value,
token, writer, accepted, and the highest token before it.
"""
