"""The live view of a leader election (labs 3-6): candidates, leader, watch arrows, servers.

For the learner, in a notebook cell: ``view = LiveView(ens, make_candidate=...)`` draws the
election as ZooKeeper sees it and gives buttons (and methods) to add candidates, resign
the leader, expire a session, and kill or restart a server. For tests, ``view.state()`` is
the same picture as a plain dict. The API and the dict's keys: ``liveview``.

    liveview       ``LiveView``: the API, the shape of ``state()``, the constructor
    model          reading the truth (children, owners, servers, watch lists); ``state()``
    notifications  the watch notifications the view's own candidates received per change
    storelog       lab 6's store: its last writes, accepted or refused (``store=``)
    actions        what the buttons and methods do; the fault lock; ``close()``
    widget         the ipywidgets widget: buttons, dropdown, status line, re-rendering
    svg            the SVG picture of a ``state()`` dict (pure: state in, text out)
    svgnotes       the picture under the boxes: the store's writes, the caption, the legend
    svgkit         what the picture's parts share: sizes, colours, how a token is written
"""
from harness.learner.view.liveview import LiveView

__all__ = ["LiveView"]
