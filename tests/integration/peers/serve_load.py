"""serve_load.py: a bounded keep-alive HTTPS load client for the tlskit serve tests.

usage: serve_load.py HOST PORT CAFILE [--conns N] [--requests M] [--duration S] [--path P]
                     [--hold S] [--new-conn]

Opens N connections at once (all of them open together before any request when --hold is
given), sends M requests on each (keep-alive; --new-conn: one request per connection), checks
every answer is a complete 200, and prints "ok=N failed=N conns=N" with the first errors.
Exit 0 only when nothing failed. With --rounds, new rounds start only within --duration (default 60 s); each is bounded
by --duration + 30 s.
"""
import argparse
import asyncio
import ssl
import sys
import time


async def one_request(reader, writer, host, path):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    if status != 200:
        raise RuntimeError(f"status {status}: {body[:80]!r}")
    return body


async def client(i, args, ctx, stats, all_open):
    try:
        reader, writer = await asyncio.open_connection(
            args.host, args.port, ssl=ctx, server_hostname=args.sni)
    except Exception as e:  # noqa: BLE001 - every failure is counted and shown
        stats["failed"] += 1
        stats["errors"].append(f"conn {i}: connect: {e!r}")
        return
    stats["conns"] += 1
    try:
        if args.hold:
            stats["opened"] += 1
            if stats["opened"] >= args.conns:
                all_open.set()
            await asyncio.wait_for(all_open.wait(), args.hold)
        for _ in range(args.requests):
            await one_request(reader, writer, args.host, args.path)
            stats["ok"] += 1
    except Exception as e:  # noqa: BLE001
        stats["failed"] += 1
        stats["errors"].append(f"conn {i}: {e!r}")
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except Exception:  # noqa: BLE001 - the server may close first
            pass


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("cafile")
    p.add_argument("--conns", type=int, default=10)
    p.add_argument("--requests", type=int, default=10)
    p.add_argument("--duration", type=float, default=60)
    p.add_argument("--path", default="/")
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--sni", default="localhost")
    p.add_argument("--rounds", type=int, default=1, help="repeat the whole run (new connections)")
    args = p.parse_args()
    ctx = ssl.create_default_context(cafile=args.cafile)
    stats = {"ok": 0, "failed": 0, "conns": 0, "opened": 0, "errors": []}
    start = time.monotonic()
    try:
        # Rounds start only within --duration; the one running then may take 30 s more.
        for _ in range(args.rounds):
            all_open = asyncio.Event()
            stats["opened"] = 0
            if time.monotonic() - start >= args.duration:
                break
            await asyncio.wait_for(
                asyncio.gather(*(client(i, args, ctx, stats, all_open) for i in range(args.conns))),
                args.duration + 30)
    except asyncio.TimeoutError:
        stats["failed"] += 1
        stats["errors"].append(f"not done within {args.duration + 30} s")
    print(f"ok={stats['ok']} failed={stats['failed']} conns={stats['conns']} "
          f"seconds={time.monotonic() - start:.1f}")
    for e in stats["errors"][:5]:
        print("#", e)
    return 0 if stats["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
