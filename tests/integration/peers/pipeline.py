"""pipeline.py HOST PORT CAFILE N [DELAY]: pipelines N GET /json requests on one TLS
connection while reading the answers, the reading starting DELAY seconds late so the
server's output backs up (back-pressure); prints "answers=K" (K should be N). asyncio: one
thread, so the TLS object is never used from two at once."""
import asyncio
import ssl
import sys

host, port, ca, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0
req = b"GET /json HTTP/1.1\r\nHost: localhost\r\n\r\n"
last = b"GET /json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"


async def main():
    ctx = ssl.create_default_context(cafile=ca)
    r, w = await asyncio.open_connection(host, port, ssl=ctx, server_hostname="localhost")

    async def send():
        for i in range(0, n - 1, 100):
            w.write(req * min(100, n - 1 - i))
            await w.drain()
        w.write(last)
        await w.drain()

    sender = asyncio.create_task(send())
    await asyncio.sleep(delay)
    got = 0
    tail = b""
    while True:
        b = await r.read(1 << 16)
        if not b:
            break
        data = tail + b
        got += data.count(b"HTTP/1.1 200 OK")
        tail = data[-15:]
        got -= tail.count(b"HTTP/1.1 200 OK")
    got += tail.count(b"HTTP/1.1 200 OK")
    await sender
    w.close()
    print(f"answers={got}")


asyncio.run(asyncio.wait_for(main(), 50))
