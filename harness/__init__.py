"""The workshop's harness, in layers: each imports only itself and the layers below it.

    cli            python -m harness <verb>: the one command line
    tools          maintainers: benchmark, class generator, flakiness, wrong solutions, test loop
    learner        what a notebook imports: workshop.start/check/faults, the live view
    grading        pytest checks, the score table, a class, regrading, the platforms' formats
    world          what a check is written with: World (the one door), the oracles, the storm
    sandbox        the learner's code in a process of its own, and the wire to it
    ensemble       three real ZooKeeper servers (local JVMs or Docker) and their faults
    store          lab 6's storage service: fencing tokens, and a log of every write
    core           settings, manifest (labs.toml), recipe, notebooks (the cell model), waits

The core modules live at the top of the package: ``settings`` (every environment
variable, read once), ``manifest`` (every per-lab fact, from labs.toml),
``recipe`` (the recipe's names, sequence numbers, creation order, quiesce),
``notebooks`` (which cells are the learner's answer) and ``waits`` (the one way
to wait). tests/unit/test_house.py holds the layers to this picture.
"""
