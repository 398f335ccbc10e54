"""A loopback webhook receiver for the benchmarks: asyncio, keep-alive, any number of ports.

Answers every POST with 200 "ok" and notes when it arrived. Runs its own event loop in a thread,
so the benchmark's main thread stays free. Loopback only.
"""

import asyncio
import threading
import time


class _Protocol(asyncio.Protocol):
    def __init__(self, owner, port_index):
        self.owner, self.port_index, self.buffer = owner, port_index, b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            length = 0
            for line in self.buffer[:head_end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            self.buffer = self.buffer[end:]
            self.owner.arrivals[self.port_index].append(time.perf_counter())
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")


class Receiver:
    def __init__(self, ports: int = 1):
        self.arrivals: list[list[float]] = [[] for _ in range(ports)]
        self.loop = asyncio.new_event_loop()
        self.servers = []
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            for index in range(ports):
                server = self.loop.run_until_complete(self.loop.create_server(
                    lambda index=index: _Protocol(self, index), "127.0.0.1", 0))
                self.servers.append(server)
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="bench-receiver", daemon=True)
        self.thread.start()
        ready.wait(10)
        self.urls = [f"http://127.0.0.1:{s.sockets[0].getsockname()[1]}/hook" for s in self.servers]

    def count(self) -> int:
        return sum(len(a) for a in self.arrivals)

    def all_arrivals(self) -> list[float]:
        return sorted(t for a in self.arrivals for t in a)

    def close(self) -> None:
        def stop():
            for server in self.servers:
                server.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(stop)
        self.thread.join(5)
