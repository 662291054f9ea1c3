#!/usr/bin/env python3
# usage: scripts/favicon-ico.py web/public/favicon.ico
# Renders the favicon.svg's shapes (rounded square, two rings, four ticks, a dot) at 32x32 with 4x4
# supersampling, and writes web/public/favicon.ico (one PNG image inside an ICO container).
import math, struct, zlib, sys
N, S = 32, 4
BG, FG = (0x0a, 0x0e, 0x14), (0x4f, 0xc3, 0xe0)
def inside_rounded(x, y, r=7):
    cx = min(max(x, r), N - r); cy = min(max(y, r), N - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
def ring(x, y, r, w):
    return abs(math.hypot(x - 16, y - 16) - r) <= w / 2
def seg(x, y, x1, y1, x2, y2, w):
    dx, dy = x2 - x1, y2 - y1
    t = max(0, min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) <= w / 2
ticks = [(16, 4, 16, 9), (16, 23, 16, 28), (4, 16, 9, 16), (23, 16, 28, 16)]
rows = []
for py in range(N):
    row = bytearray([0])
    for px in range(N):
        acc = [0.0, 0.0, 0.0, 0.0]
        for sy in range(S):
            for sx in range(S):
                x, y = px + (sx + 0.5) / S, py + (sy + 0.5) / S
                if not inside_rounded(x, y):
                    continue
                c, a = BG, 1.0
                if ring(x, y, 12, 2):
                    c = tuple(int(b * 0.5 + f * 0.5) for b, f in zip(BG, FG))
                if ring(x, y, 7.5, 2.5) or any(seg(x, y, *t, 2.5) for t in ticks) or math.hypot(x - 16, y - 16) <= 2.6:
                    c = FG
                for i in range(3):
                    acc[i] += c[i]
                acc[3] += a
        n = S * S
        cov = acc[3] / n
        rgb = [int(acc[i] / acc[3]) if acc[3] else 0 for i in range(3)]
        row += bytes(rgb + [int(cov * 255)])
    rows.append(bytes(row))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", N, N, 0, 0, 1, 32, len(png), 22) + png
open(sys.argv[1], "wb").write(ico)
