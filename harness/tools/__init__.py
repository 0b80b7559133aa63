"""The maintainers' tools: measured figures and proofs, run from the command line.

    bench            what the herd costs, and a failover, on the real ensemble
    restart_bench    what a server's restart costs (the class-data-sharing archive)
    classgen         a class of submissions with known marks (expected.json)
    flaky            the whole check suite on the solutions N times: failures per check
    mutants          the wrong solutions: build one, grade it, name what caught it
    platform_images  the Gradescope and PrairieLearn graders in containers
    testloop         `make test`: the fast tier, the checks, the suite over ensembles side by side
    derived          the files labs.toml implies (lab tables, lab-interface, Classroom workflow)
    estimates        a lab's time for a new learner, estimated from its notebook (00_start_here)
    figures          docs/performance.md, written by the tools that measure (--publish)
"""
