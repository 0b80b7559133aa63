"""resign() of its own tries its delete once: a connection lost in the middle leaves the node, for as long as the session lives.

The application's client lives on after resign(), so the session does too, and
the node left behind holds the election up (the others wait on it). The
starter's resign() did this until a class graded eight at a time showed it: the
storm's last resign met a dropped connection and nobody led after the healing.
Here the learner replaces the given resign() with Lab 4's one-try delete.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('delete', 'again')
MUTATIONS = [
    ("    def _on_state(self, state):\n",
     "    def resign(self):\n"
     "        \"\"\"Give up the lead, stop, and delete our node (Lab 4's way: once).\"\"\"\n"
     "        with self._lock:\n"
     "            if self._stopped:\n"
     "                return\n"
     "            self._stopped = True\n"
     "            self._step_down()\n"
     "            self.watching = None\n"
     "        self.zk.remove_listener(self._on_state)\n"
     "        self._wake.set()\n"
     "        if self._worker is not None:\n"
     "            self._worker.join(timeout=10)\n"
     "        node, self.node = self.node, None\n"
     "        if node is not None:\n"
     "            try:\n"
     "                self.zk.delete(node)      # one try only\n"
     "            except Exception:             # gone already, or the connection broke\n"
     "                pass                      # either way: nothing more to do\n"
     "\n"
     "    def _on_state(self, state):\n"),
]
