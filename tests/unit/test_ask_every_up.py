"""Reading the servers under load: a slow server is an error, never a missing answer.

Three real sockets stand for three servers: one answers, one refuses (down), one
accepts and says nothing (a server too loaded to answer)."""
import socket
import threading

import pytest

from harness.ensemble import EnsembleError
from harness.ensemble.control import Ensemble
from harness.ensemble.topology import Server

WCHC = "0x100000a2b3c0000\n\t/election/x-n_0000000001\n"


class Backend:
    def __init__(self, servers):
        self.servers = servers

    def paused(self, i):
        return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def answering():
    sock = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(16)
                conn.sendall(WCHC.encode())
    threading.Thread(target=serve, daemon=True).start()
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def silent():
    sock = socket.create_server(("127.0.0.1", 0))     # the kernel accepts; nobody answers
    yield sock.getsockname()[1]
    sock.close()


def ensemble(*ports):
    return Ensemble(Backend([Server(i + 1, p, 0, 0) for i, p in enumerate(ports)]))


def test_a_down_server_is_left_out_and_the_others_answer(answering):
    e = ensemble(answering, _free_port())
    assert e.watches_by_session() == {0x100000a2b3c0000: {"/election/x-n_0000000001"}}


def test_a_server_that_does_not_answer_in_time_is_an_infrastructure_error(answering, silent):
    e = ensemble(answering, silent)
    with pytest.raises(EnsembleError, match="zoo2 did not answer 'wchc' within 1 s"):
        e.ask_every_up("wchc", timeout=1.0)
