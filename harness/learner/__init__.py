"""The learner's side: what a lab notebook imports.

    workshop   ``start()``, ``client()``, ``faults()``, ``check()``: a notebook's first
               and last cells, and its experiments' safe way to break servers
    experiments  ``workshop.experiment(name)``: a cell run again first ends what its last
               run made (candidates, clients, views); a failed run leaves nothing
    view       ``LiveView``: the live picture of an election (labs 3-6: tokens, the store)
    fencing    lab 6's experiment: a leader in a process of its own, to freeze
    imports    earlier labs imported from the learner's own saved notebooks
    starters   the starter notebooks made from the solved ones; a fresh one for a learner
    pictures   the notebooks' pictures: SVG drawn from data, written beside the notebooks
    labserver  JupyterLab as ``make lab`` starts it: 00_start_here, and a terminal with
               the workshop's folder and environment
"""
