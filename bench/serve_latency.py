"""serve_latency.py HOST PORT CAFILE RATE SECONDS [CONNS]: sends GET / at a fixed total RATE
(requests/s) over CONNS keep-alive connections for SECONDS, each request timed from its
scheduled send time (no coordinated omission); prints p50/p90/p99/max in microseconds."""
import asyncio
import ssl
import sys
import time

host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rate, secs = float(sys.argv[4]), float(sys.argv[5])
nconn = int(sys.argv[6]) if len(sys.argv) > 6 else 10
lat = []


async def worker(i, ctx, t0):
    r, w = await asyncio.open_connection(host, port, ssl=ctx, server_hostname="localhost")
    per = nconn / rate
    k = 0
    while True:
        due = t0 + i / rate + k * per
        if due - t0 > secs:
            break
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        w.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = await r.readuntil(b"\r\n\r\n")
        n = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await r.readexactly(n)
        lat.append(time.monotonic() - due)
        k += 1
    w.close()


async def main():
    ctx = ssl.create_default_context(cafile=ca)
    t0 = time.monotonic() + 0.5
    await asyncio.gather(*(worker(i, ctx, t0) for i in range(nconn)))
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1e6
    print(f"n={len(lat)} p50={q(0.5):.0f} p90={q(0.9):.0f} p99={q(0.99):.0f} max={lat[-1]*1e6:.0f}")

asyncio.run(main())
