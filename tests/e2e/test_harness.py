"""The e2e harness itself: a node whose self-picked port was taken before it
bound it starts again on new ports; ports a test chose are kept."""
import socket
import sys

from mall_node import Node, node_binary


def held_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_a_taken_self_picked_port_is_replaced():
    node = Node(node_binary())
    holder = socket.socket()
    holder.bind(("127.0.0.1", node.http_port))
    holder.listen()
    taken = node.http_port
    try:
        node.start()
        assert node.http_port != taken, node.http_port
        assert node.client().get("/health/live").status == 200
        assert node.terminate() == 0
    finally:
        holder.close()
        node.cleanup()


def test_a_taken_port_the_test_chose_fails_the_start():
    holder = held_port()
    node = Node(node_binary(), http_port=holder.getsockname()[1])
    try:
        node.start()
    except AssertionError:
        with open(node.log_path, errors="replace") as f:
            assert f.read().count("Address already in use") == 1, node.log_tail()
    else:
        raise AssertionError("the node started on a port in use")
    finally:
        holder.close()
        node.cleanup()


if __name__ == "__main__":
    for test in (test_a_taken_self_picked_port_is_replaced,
                 test_a_taken_port_the_test_chose_fails_the_start):
        test()
        print(f"ok   {test.__name__}", flush=True)
    sys.exit(0)
