"""The ensemble: three real ZooKeeper servers, and every real fault done to them.

For the checks' world, the notebooks, the live view and the tools. It imports
only the core (settings) and never anything of a higher layer.

    topology       the one description of the three servers (ports, zoo.cfg, Compose file)
    control        ``Ensemble``: the API both backends share (roles, faults, watches, heal)
    choice         the one start-up policy: which backend runs it, and why
    startup        bringing it up, taking it down, its status (make up / down / status)
    local          backend 1: three local JVMs (Debian's zookeeper package)
    processes      what /proc and the ports say about a local server
    install        finding (or installing) ZooKeeper and Java for them
    class_sharing  their class-data-sharing archive (faster restarts)
    docker         backend 2: Docker Compose containers, driven through the Docker SDK
    image          the Docker image: the official one, or the workshop's own from Debian
    fourlw         four-letter words (srvr, mntr, wchc, wchp, cons) and their parsers
    proxy          ``FaultProxy``: a client's link on real sockets, cut, held, healed
    watch_limits   the watches one submission may keep, counted by its proxies
    faultlock      the lock that lets one check break the ensemble while others wait
    side           more ensembles side by side (the class grader, the test loop)
"""
from harness.ensemble.base import SERVING_MODES, EnsembleError
from harness.ensemble.control import RECONNECT, Ensemble

__all__ = ["Ensemble", "EnsembleError", "RECONNECT", "SERVING_MODES"]
