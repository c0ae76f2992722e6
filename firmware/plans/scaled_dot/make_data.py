#!/usr/bin/python3
"""Writes the scaled_dot plan's .npy files (plain Python: no NumPy needed). The values are
small multiples of powers of two, so alpha * (u . v) and alpha * u + v are exact in binary32."""
import os
import struct

N, ALPHA = 64, 0.5


def write_npy(path, values, fmt="<f4"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (fmt, len(values))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), fmt[-2:].replace("f4", "f").replace("f8", "d")), *values))


u = [((i * 5) % 11 - 5) / 4 for i in range(N)]
v = [((i * 3) % 7 - 3) / 8 for i in range(N)]
here = os.path.dirname(os.path.abspath(__file__))
write_npy(os.path.join(here, "u.npy"), u)
write_npy(os.path.join(here, "v.npy"), v)
write_npy(os.path.join(here, "s.npy"), [ALPHA * sum(a * b for a, b in zip(u, v))], "<f8")
write_npy(os.path.join(here, "z.npy"), [ALPHA * a + b for a, b in zip(u, v)])
