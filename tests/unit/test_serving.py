"""Workers on sockets of their own: each binds the port, the kernel spreads connections."""

from __future__ import annotations

import pickle
import socket

import pytest

from app.core.serving import OwnListener, reuse_port_socket, serve


def test_a_worker_unpickles_its_own_bound_socket_beside_the_reservation() -> None:
    reservation = reuse_port_socket("127.0.0.1", 0)
    port = reservation.getsockname()[1]
    # What the supervisor hands each worker it spawns: a socket of its own, same port.
    first = pickle.loads(pickle.dumps(OwnListener("127.0.0.1", port)))
    second = pickle.loads(pickle.dumps(OwnListener("127.0.0.1", port)))
    try:
        assert isinstance(first, socket.socket) and isinstance(second, socket.socket)
        assert first.fileno() != second.fileno()
        assert first.getsockname() == second.getsockname() == ("127.0.0.1", port)
        first.listen()
        second.listen()
    finally:
        for sock in (reservation, first, second):
            sock.close()


def test_a_port_taken_by_another_program_stops_the_server_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:{port}"):
            serve("app.main:create_app", workers=2, host="127.0.0.1", port=port)
