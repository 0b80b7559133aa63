"""The learner's code runs here, in a process of its own, never in the grader.

For the checks' world (and nothing above it talks to the learner's process).

    jail       the unprivileged user, limits, control groups, and end of that process
    cgroups    a slot's share of the machine (CPU, processes, memory)
    network    a slot's share of the connections (iptables: how many, and where to)
    private_tmp  run as root before the child: a bounded tmpfs of its own for all it writes
    child      the process itself: it answers the grader's requests (imports only the
               wire, its own helpers, the recipe and the store's client)
    cells      a notebook's solution cells run as a module, with their cell and line
    reports    one-line tracebacks, and the callbacks kazoo drops, told to the grader
    race_ops   the requests that provoke the labs' races (saboteurs, the store's gate)
    saboteur   lab 4's and lab 6's race wrappers around a learner's client
    host       the grader's side: Sandbox (requests, answers, events)
    remote     the learner's objects as the grader holds them (by handle, as data)
    wire       what may cross between them: JSON data, never pickles

The design note is ``docs/sandbox.md``.
"""
